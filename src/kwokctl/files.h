// Small file helpers kwokctl's modules share. Errors name the path.
#pragma once

#include <string>

#include "core/error.h"

namespace kwok::kwokctl {

Result<std::string> readFile(const std::string& path);

// Writes `content` to a temporary file next to `path`, syncs it and renames
// it over `path`, so readers see the old or the new file, never a part.
Status writeFileAtomic(const std::string& path, const std::string& content, unsigned mode = 0644);

// An open file being written atomically: the content goes to a temporary
// file that commit() renames over the target; destroyed uncommitted, the
// temporary file is removed and the target is untouched.
class AtomicFile {
 public:
  static Result<AtomicFile> create(const std::string& path, unsigned mode = 0644);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();

  Status write(std::string_view data);
  Status commit();
  const std::string& path() const { return path_; }

 private:
  AtomicFile(std::string path, std::string tmp, int fd) : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  std::string path_, tmp_;
  int fd_ = -1;
};

}  // namespace kwok::kwokctl
