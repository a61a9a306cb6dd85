#include "kwokctl/logs.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <filesystem>
#include <fstream>

#include "kwokctl/files.h"

namespace kwok::kwokctl {

namespace fs = std::filesystem;

Result<std::string> logPath(const Cluster& cluster, const std::string& component) {
  if (component == "audit")
    return Error::notFound("there is no audit log: kwok-apiserver does not write audit logs yet (--kube-audit-policy)");
  const Component* c = cluster.config().component(component);
  if (!c) {
    std::string names;
    for (const auto& comp : cluster.config().components) names += (names.empty() ? "" : ", ") + comp.name;
    return Error::notFound(
        fmt::format("cluster \"{}\" has no component \"{}\" (its components: {})", cluster.name(), component, names));
  }
  return cluster.path("logs/" + c->name + ".log");
}

Status writeLog(const Cluster& cluster, const std::string& component, bool follow, const StopToken& stop,
                std::ostream& out) {
  auto path = logPath(cluster, component);
  if (!path) return path.error();
  std::ifstream in;
  ino_t inode = 0;
  std::streamoff offset = 0;
  auto open = [&] {
    struct stat st {};
    if (::stat(path->c_str(), &st) != 0) return false;
    in = std::ifstream(*path, std::ios::binary);
    inode = st.st_ino;
    offset = 0;
    return in.is_open();
  };
  if (!open() && !follow) return Error::notFound(fmt::format("{} has no log yet ({})", component, *path));
  char buf[64 * 1024];
  for (;;) {
    if (in.is_open()) {
      in.clear();
      while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        out.write(buf, in.gcount());
        offset += in.gcount();
      }
      out.flush();
    }
    if (!follow || stop.waitFor(std::chrono::milliseconds(200))) return {};
    // Start over when the file was replaced or truncated.
    struct stat st {};
    if (::stat(path->c_str(), &st) != 0) continue;
    if (!in.is_open() || st.st_ino != inode || st.st_size < offset) open();
  }
}

Result<std::string> exportLogs(const Cluster& cluster, const std::string& dir) {
  fs::path out = dir.empty() ? fs::path(cluster.path("export/logs")) : fs::path(dir) / cluster.name();
  std::error_code ec;
  if (fs::exists(out / "kwok.yaml", ec)) return Error::alreadyExists(fmt::format("{} already exists", (out / "kwok.yaml").string()));
  fs::create_directories(out / "components", ec);
  if (ec) return Error::internal(fmt::format("cannot create {}: {}", out.string(), ec.message()));
  fs::copy_file(cluster.path("kwok.yaml"), out / "kwok.yaml", ec);
  if (ec) return Error::internal(fmt::format("cannot copy kwok.yaml: {}", ec.message()));
  for (const auto& c : cluster.config().components) {
    fs::path log = cluster.path("logs/" + c.name + ".log");
    if (fs::exists(log, ec)) fs::copy_file(log, out / "components" / (c.name + ".log"), ec);
    if (ec) return Error::internal(fmt::format("cannot copy {}: {}", log.string(), ec.message()));
  }
  utsname u{};
  ::uname(&u);
  std::string info = fmt::format("{}/{}\n", u.sysname, u.machine);
  for (const auto& s : cluster.status())
    info += fmt::format("{} {} pid={}\n", s.name, toString(s.state), s.pid);
  if (auto st = writeFileAtomic((out / "binary-info.txt").string(), info); !st) return st.error();
  return out.string();
}

}  // namespace kwok::kwokctl
