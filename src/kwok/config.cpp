#include "kwok/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/yaml.h"

namespace kwok::sim {

namespace fs = std::filesystem;

namespace {

Result<std::string> readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest(fmt::format("--config: cannot read {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status addDocuments(std::string_view text, const std::string& source, std::vector<json::value>& out) {
  auto docs = yamlDocumentsToJson(text);
  if (!docs) return Error::badRequest(fmt::format("--config {}: {}", source, docs.error().message));
  for (auto& d : *docs)
    if (d.is_object()) out.push_back(std::move(d));
  return {};
}

Status addPath(const std::string& path, std::vector<json::value>& out) {
  if (path == "-") {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    return addDocuments(ss.str(), "(stdin)", out);
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (auto st = addPath(f.string(), out); !st) return st;
    return {};
  }
  auto text = readAll(path);
  if (!text) return text.error();
  return addDocuments(*text, path, out);
}

// One option: its KwokConfiguration field, flag and environment variable
// (KWOK_ + the flag in upper snake case), and how to set it from JSON.
struct Field {
  std::string_view name, flag;
  std::function<bool(Options&, const json::value&)> set;  // false: wrong type
};

std::string envName(std::string_view flag) {
  std::string s = "KWOK_";
  for (char c : flag) s += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

template <class T>
std::function<bool(Options&, const json::value&)> setter(T Options::*member) {
  return [member](Options& o, const json::value& v) {
    if constexpr (std::is_same_v<T, bool>) {
      if (v.is_bool()) return o.*member = v.as_bool(), true;
      if (v.is_string()) {
        std::string s(v.as_string());
        if (s == "true" || s == "1") return o.*member = true, true;
        if (s == "false" || s == "0") return o.*member = false, true;
      }
      return false;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return false;
      o.*member = std::string(v.as_string());
      return true;
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      std::vector<std::string> out;
      if (v.is_string()) {  // an environment variable: comma-separated
        std::string_view s = v.as_string();
        while (!s.empty()) {
          auto comma = s.find(',');
          if (auto part = s.substr(0, comma); !part.empty()) out.emplace_back(part);
          s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
        }
      } else if (v.is_array()) {
        for (const auto& e : v.as_array()) {
          if (!e.is_string()) return false;
          out.emplace_back(e.as_string());
        }
      } else {
        return false;
      }
      o.*member = std::move(out);
      return true;
    } else {
      std::int64_t n = 0;
      if (v.is_int64()) n = v.as_int64();
      else if (v.is_uint64()) n = static_cast<std::int64_t>(v.as_uint64());
      else if (v.is_string()) {
        std::string s(v.as_string());
        char* end = nullptr;
        n = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end) return false;
      } else {
        return false;
      }
      if (n < 0) return false;
      o.*member = static_cast<T>(n);
      return true;
    }
  };
}

const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      {"cidr", "cidr", setter(&Options::cidr)},
      {"nodeIP", "node-ip", setter(&Options::nodeIp)},
      {"nodeName", "node-name", setter(&Options::nodeName)},
      {"nodePort", "node-port", setter(&Options::nodePort)},
      {"manageAllNodes", "manage-all-nodes", setter(&Options::manageAllNodes)},
      {"manageNodesWithAnnotationSelector", "manage-nodes-with-annotation-selector",
       setter(&Options::manageNodesWithAnnotationSelector)},
      {"manageNodesWithLabelSelector", "manage-nodes-with-label-selector",
       setter(&Options::manageNodesWithLabelSelector)},
      {"manageSingleNode", "manage-single-node", setter(&Options::manageSingleNode)},
      {"nodeLeaseDurationSeconds", "node-lease-duration-seconds", setter(&Options::nodeLeaseDurationSeconds)},
      {"enableCRDs", "enable-crds", setter(&Options::enableCrds)},
      {"nodePlayStageParallelism", "node-play-stage-parallelism", setter(&Options::nodePlayStageParallelism)},
      {"podPlayStageParallelism", "pod-play-stage-parallelism", setter(&Options::podPlayStageParallelism)},
      {"nodeLeaseParallelism", "node-lease-parallelism", setter(&Options::nodeLeaseParallelism)},
  };
  return f;
}

}  // namespace

Result<std::vector<json::value>> loadConfigDocuments(const std::vector<std::string>& paths, bool withHomeConfig) {
  std::vector<json::value> out;
  if (withHomeConfig) {
    if (const char* home = std::getenv("HOME"); home && *home) {
      fs::path p = fs::path(home) / ".kwok" / "kwok.yaml";
      std::error_code ec;
      if (fs::is_regular_file(p, ec))
        if (auto st = addPath(p.string(), out); !st) return st.error();
    }
  }
  for (const auto& p : paths)
    if (auto st = addPath(p, out); !st) return st.error();
  return out;
}

Status applyConfiguration(Options& options, const std::vector<json::value>& documents,
                          const std::function<bool(std::string_view flag)>& flagGiven,
                          const std::function<const char*(const char*)>& getenv) {
  for (const auto& f : fields()) {
    if (flagGiven(f.flag)) continue;
    std::string env = envName(f.flag);
    if (const char* v = getenv(env.c_str()); v && *v) {
      if (!f.set(options, json::value(v)))
        return Error::badRequest(fmt::format("{}: invalid value {:?}", env, std::string(v)));
      continue;
    }
    // The last document that sets the option wins.
    for (auto it = documents.rbegin(); it != documents.rend(); ++it) {
      if (stringAt(*it, {"kind"}) != "KwokConfiguration") continue;
      const json::value* v = findPath(*it, {"options", f.name});
      if (!v || v->is_null()) continue;
      if (!f.set(options, *v))
        return Error::badRequest(fmt::format("KwokConfiguration: options.{}: invalid value {}", f.name,
                                             toJson(*v)));
      break;
    }
  }
  return {};
}

}  // namespace kwok::sim
