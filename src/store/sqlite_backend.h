// The SQLite file under the store: one row per current object plus the
// global revision. Used only by the store's writer thread (writes) and at
// open (reads); not thread-safe by itself.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kwok::store {

class SqliteBackend {
 public:
  // Opens or creates the database in WAL mode with synchronous=FULL, so a
  // committed transaction survives a crash or kill -9.
  static Result<std::unique_ptr<SqliteBackend>> open(const std::string& path);
  ~SqliteBackend();

  Result<std::int64_t> revision();
  using RowFn = std::function<Status(const std::string& resource, const std::string& ns, const std::string& name,
                                     std::int64_t rev, std::string value)>;
  Status forEach(const RowFn& fn);

  Status begin();
  Status put(const std::string& resource, const std::string& ns, const std::string& name, std::int64_t rev,
             const std::string& value);
  Status remove(const std::string& resource, const std::string& ns, const std::string& name);
  // Records `revision` and commits durably.
  Status commit(std::int64_t revision);
  void rollback();
  // A consistent, compacted copy of the database at `path` (VACUUM INTO).
  Status copyTo(const std::string& path);

 private:
  explicit SqliteBackend(sqlite3* db) : db_(db) {}
  Status exec(const char* sql);
  Status error(const char* what);

  sqlite3* db_;
  sqlite3_stmt* put_ = nullptr;
  sqlite3_stmt* remove_ = nullptr;
  sqlite3_stmt* setRev_ = nullptr;
};

}  // namespace kwok::store
