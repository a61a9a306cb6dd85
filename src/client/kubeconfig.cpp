#include "client/kubeconfig.h"

#include "core/base64.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/yaml.h"

namespace kwok {
namespace {

namespace fs = std::filesystem;

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string msg = fmt::format("reading {}: {}", path, std::strerror(err));
    return err == ENOENT ? Error::notFound(std::move(msg)) : Error::internal(std::move(msg));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error::internal(fmt::format("reading {}: I/O error", path));
  return std::move(ss).str();
}

// The `name`d entry's body (`field`) in a clusters/users/contexts list; an
// entry without a body reads as null, so every field is absent.
const json::value* findEntry(const json::value& config, std::string_view list, std::string_view field,
                             std::string_view name) {
  const json::array* items = arrayAt(config, {list});
  if (!items) return nullptr;
  for (const auto& item : *items) {
    if (stringAt(item, {"name"}) == name) {
      static const json::value none;
      const json::value* body = member(item, field);
      return body ? body : &none;
    }
  }
  return nullptr;
}

// PEM text from `<key>-data` (base64, wins as in client-go) or from the file
// named by `<key>` (relative to the kubeconfig's directory).
Result<std::string> loadPem(const json::value& body, std::string_view key, const fs::path& baseDir,
                            const std::string& where) {
  std::string dataKey = std::string(key) + "-data";
  if (auto data = stringAt(body, {dataKey}); !data.empty()) {
    std::string pem;
    if (!base64Decode(data, pem)) return Error::invalid(fmt::format("{}: {} is not valid base64", where, dataKey));
    return pem;
  }
  if (auto file = stringAt(body, {key}); !file.empty()) {
    fs::path p(file);
    if (p.is_relative()) p = baseDir / p;
    auto text = readFile(p.string());
    if (!text) return Error::invalid(fmt::format("{}: {}: {}", where, key, text.error().message));
    return text;
  }
  return std::string();
}

// An exclusive lock for rewriting `target`, held through `<target>.lock`.
//
// The lock file is removed on release: client-go creates that same name with
// O_EXCL as its own lock, so a file left behind would make kubectl refuse to
// write the kubeconfig. Because it is removed, a waiter may end up locking a
// file that is no longer linked; it then retries on the current one.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::string& target) {
    std::string path = target + ".lock";
    for (;;) {
      int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) return Error::internal(fmt::format("creating lock {}: {}", path, std::strerror(errno)));
      int rc;
      while ((rc = ::flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
      }
      if (rc != 0) {
        int err = errno;
        ::close(fd);
        return Error::internal(fmt::format("locking {}: {}", path, std::strerror(err)));
      }
      struct stat held{}, linked{};
      if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &linked) == 0 && held.st_dev == linked.st_dev &&
          held.st_ino == linked.st_ino) {
        return FileLock(std::move(path), fd);
      }
      ::close(fd);
    }
  }

  FileLock(FileLock&& o) noexcept : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ < 0) return;
    ::unlink(path_.c_str());  // before unlocking; see the class comment
    ::close(fd_);
  }

 private:
  FileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

// Replaces `path` with `text` atomically: a temporary file in the same
// directory, fsync'ed and renamed over it. The file keeps its mode; a new
// one gets 0600 (it holds credentials).
Status writeFileAtomic(const std::string& path, const std::string& text) {
  mode_t mode = 0600;
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;

  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Error::internal(fmt::format("creating temporary file for {}: {}", path, std::strerror(errno)));
  auto fail = [&](std::string_view what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Error::internal(fmt::format("{} {}: {}", what, path, std::strerror(err)));
  };
  if (::fchmod(fd, mode) != 0) return fail("setting mode of");
  for (std::size_t done = 0; done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("syncing");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error::internal(fmt::format("writing {}: {}", path, std::strerror(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error::internal(fmt::format("replacing {}: {}", path, std::strerror(err)));
  }
  return {};
}

// The file a rewrite must replace: the target of a symlinked kubeconfig, so
// the link (often managed by a dotfiles tool) survives.
std::string writeTarget(const std::string& path) {
  std::error_code ec;
  if (fs::is_symlink(path, ec)) {
    auto resolved = fs::canonical(path, ec);
    if (!ec) return resolved.string();
  }
  return path;
}

// Reads the kubeconfig at `path` for rewriting; a missing file is an empty tree.
Result<json::value> readForUpdate(const std::string& path) {
  auto text = readFile(path);
  if (!text) {
    if (text.error().code == 404) return json::value(json::object());
    return text.error();
  }
  auto config = parseKubeconfig(*text);
  if (!config) return Error::invalid(fmt::format("{}: {}", path, config.error().message));
  return config;
}

// The list `key` of `config`, created when missing or null.
Result<json::array*> listOf(json::object& config, std::string_view key, const std::string& path) {
  json::value& slot = config[key];
  if (slot.is_null()) slot = json::array();
  if (!slot.is_array()) return Error::invalid(fmt::format("{}: {} is not a list", path, key));
  return &slot.get_array();
}

}  // namespace

Result<json::value> parseKubeconfig(const std::string& text) {
  auto tree = yamlToJson(text);
  if (!tree) return tree.error();
  if (tree->is_null()) return json::value(json::object());  // an empty file, as kubectl reads it
  if (!tree->is_object()) return Error::badRequest("kubeconfig is not a mapping");
  return tree;
}

Result<ClientConfig> loadClientConfig(const std::string& path, const std::string& context) {
  auto text = readFile(path);
  if (!text) return text.error();
  auto parsed = parseKubeconfig(*text);
  if (!parsed) return Error::invalid(fmt::format("{}: {}", path, parsed.error().message));
  const json::value& config = *parsed;

  std::string contextName = context.empty() ? std::string(stringAt(config, {"current-context"})) : context;
  if (contextName.empty()) {
    return Error::notFound(fmt::format("no context given and current-context is not set in {}", path));
  }
  const json::value* ctx = findEntry(config, "contexts", "context", contextName);
  if (!ctx) return Error::notFound(fmt::format("context \"{}\" not found in {}", contextName, path));

  std::string clusterName(stringAt(*ctx, {"cluster"}));
  const json::value* cluster = findEntry(config, "clusters", "cluster", clusterName);
  if (!cluster) {
    return Error::notFound(
        fmt::format("cluster \"{}\" of context \"{}\" not found in {}", clusterName, contextName, path));
  }
  std::string userName(stringAt(*ctx, {"user"}));
  const json::value* user = nullptr;
  if (!userName.empty()) {
    user = findEntry(config, "users", "user", userName);
    if (!user) {
      return Error::notFound(
          fmt::format("user \"{}\" of context \"{}\" not found in {}", userName, contextName, path));
    }
  }

  ClientConfig out;
  fs::path baseDir = fs::path(path).parent_path();
  std::string where = fmt::format("{}: cluster \"{}\"", path, clusterName);
  out.server = stringAt(*cluster, {"server"});
  if (out.server.empty()) return Error::invalid(fmt::format("{} has no server", where));
  if (const auto* v = member(*cluster, "insecure-skip-tls-verify"); v && v->is_bool()) {
    out.insecureSkipTlsVerify = v->get_bool();
  }
  out.tlsServerName = stringAt(*cluster, {"tls-server-name"});
  auto ca = loadPem(*cluster, "certificate-authority", baseDir, where);
  if (!ca) return ca.error();
  out.caPem = std::move(*ca);

  if (user) {
    where = fmt::format("{}: user \"{}\"", path, userName);
    auto cert = loadPem(*user, "client-certificate", baseDir, where);
    if (!cert) return cert.error();
    out.certPem = std::move(*cert);
    auto key = loadPem(*user, "client-key", baseDir, where);
    if (!key) return key.error();
    out.keyPem = std::move(*key);
    out.token = stringAt(*user, {"token"});
  }

  if (auto ns = stringAt(*ctx, {"namespace"}); !ns.empty()) out.namespace_ = ns;
  return out;
}

std::string defaultKubeconfigPath() {
  if (const char* env = std::getenv("KUBECONFIG")) {
    std::string_view list(env);
    while (!list.empty()) {
      auto colon = list.find(':');
      auto entry = list.substr(0, colon);
      if (!entry.empty()) return std::string(entry);
      if (colon == std::string_view::npos) break;
      list.remove_prefix(colon + 1);
    }
  }
  std::string home;
  if (const char* h = std::getenv("HOME"); h && *h) {
    home = h;
  } else if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) {
    home = pw->pw_dir;
  }
  return (fs::path(home) / ".kube" / "config").string();
}

Result<void> mergeIntoKubeconfigFile(const std::string& path, const json::value& entries,
                                     const std::string& currentContext) {
  static constexpr std::string_view kLists[] = {"clusters", "users", "contexts"};
  if (!entries.is_object()) return Error::invalid("kubeconfig entries are not an object");
  for (auto list : kLists) {
    const json::value* items = member(entries, list);
    if (!items || items->is_null()) continue;
    if (!items->is_array()) return Error::invalid(fmt::format("kubeconfig entries: {} is not a list", list));
    for (const auto& item : items->get_array()) {
      if (stringAt(item, {"name"}).empty()) {
        return Error::invalid(fmt::format("kubeconfig entries: an item of {} has no name", list));
      }
    }
  }

  std::error_code ec;
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return Error::internal(fmt::format("creating {}: {}", parent.string(), ec.message()));

  auto lock = FileLock::acquire(path);
  if (!lock) return lock.error();
  std::string target = writeTarget(path);
  auto config = readForUpdate(target);
  if (!config) return config.error();
  json::object& root = config->get_object();
  if (root.empty()) {
    // A new file, laid out like the ones makeKubeconfig and kubectl write.
    root = {{"apiVersion", "v1"},         {"kind", "Config"},          {"clusters", json::array()},
            {"users", json::array()},     {"contexts", json::array()}, {"current-context", ""}};
  }

  for (auto list : kLists) {
    auto existing = listOf(root, list, path);
    if (!existing) return existing.error();
    const json::value* items = member(entries, list);
    if (!items || !items->is_array()) continue;
    for (const auto& item : items->get_array()) {
      auto name = stringAt(item, {"name"});
      auto same = std::find_if((*existing)->begin(), (*existing)->end(),
                               [&](const json::value& e) { return stringAt(e, {"name"}) == name; });
      if (same != (*existing)->end()) *same = item;  // in place, keeping the file's order
      else (*existing)->push_back(item);
    }
  }
  if (!currentContext.empty()) root["current-context"] = currentContext;

  return writeFileAtomic(target, jsonToYaml(*config));
}

Result<void> removeFromKubeconfigFile(const std::string& path, const std::string& cluster,
                                      const std::string& user, const std::string& context) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};

  auto lock = FileLock::acquire(path);
  if (!lock) return lock.error();
  std::string target = writeTarget(path);
  if (!fs::exists(target, ec)) return {};  // removed while we waited for the lock
  auto config = readForUpdate(target);
  if (!config) return config.error();
  json::object& root = config->get_object();

  bool changed = false;
  for (auto [list, name] : {std::pair<std::string_view, const std::string&>{"clusters", cluster},
                            {"users", user},
                            {"contexts", context}}) {
    json::value* items = member(*config, list);
    if (name.empty() || !items || !items->is_array()) continue;
    auto& array = items->get_array();
    for (auto it = array.begin(); it != array.end();) {
      if (stringAt(*it, {"name"}) == name) {
        it = array.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
  }
  if (!context.empty() && stringAt(*config, {"current-context"}) == context) {
    root["current-context"] = "";
    changed = true;
  }
  // Nothing of ours in the file: leave it byte for byte as it is.
  if (!changed) return {};
  return writeFileAtomic(target, jsonToYaml(*config));
}

json::value makeKubeconfig(const std::string& name, const std::string& server,
                           const std::string& caPem, const std::string& userName,
                           const std::string& certPem, const std::string& keyPem) {
  json::object cluster{{"server", server}};
  if (!caPem.empty()) cluster["certificate-authority-data"] = base64Encode(caPem);
  json::object user;
  if (!certPem.empty()) user["client-certificate-data"] = base64Encode(certPem);
  if (!keyPem.empty()) user["client-key-data"] = base64Encode(keyPem);

  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", json::array{json::object{{"name", name}, {"cluster", std::move(cluster)}}}},
      {"users", json::array{json::object{{"name", userName}, {"user", std::move(user)}}}},
      {"contexts", json::array{json::object{{"name", name},
                                            {"context", json::object{{"cluster", name}, {"user", userName}}}}}},
      {"current-context", name},
      {"preferences", json::object()},
  };
}

}  // namespace kwok
