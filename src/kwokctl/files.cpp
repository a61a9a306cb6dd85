#include "kwokctl/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/random.h"

namespace kwok::kwokctl {

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::notFound(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status writeFileAtomic(const std::string& path, const std::string& content, unsigned mode) {
  auto f = AtomicFile::create(path, mode);
  if (!f) return f.error();
  if (auto st = f->write(content); !st) return st;
  return f->commit();
}

Result<AtomicFile> AtomicFile::create(const std::string& path, unsigned mode) {
  std::string tmp = fmt::format("{}.tmp-{}", path, randomNameSuffix(8));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error::internal(fmt::format("cannot create {}: {}", tmp, std::strerror(errno)));
  return AtomicFile(path, tmp, fd);
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept : path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), fd_(o.fd_) {
  o.fd_ = -1;
  o.tmp_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

Status AtomicFile::write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::internal(fmt::format("cannot write {}: {}", tmp_, std::strerror(errno)));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Status AtomicFile::commit() {
  if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
    fd_ = -1;
    return Error::internal(fmt::format("cannot write {}: {}", tmp_, std::strerror(errno)));
  }
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    return Error::internal(fmt::format("cannot rename {} to {}: {}", tmp_, path_, std::strerror(errno)));
  tmp_.clear();
  return {};
}

}  // namespace kwok::kwokctl
