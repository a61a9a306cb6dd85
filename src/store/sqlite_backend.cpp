#include "store/sqlite_backend.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace kwok::store {

Result<std::unique_ptr<SqliteBackend>> SqliteBackend::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error::internal(fmt::format("open store {}: {}", path, msg));
  }
  std::unique_ptr<SqliteBackend> b(new SqliteBackend(db));
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS objects ("
      "  resource TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL,"
      "  rev INTEGER NOT NULL, value BLOB NOT NULL,"
      "  PRIMARY KEY (resource, ns, name)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);";
  if (auto r = b->exec(setup); !r) return Error::internal(fmt::format("open store {}: {}", path, r.error().message));
  auto prep = [&](const char* sql, sqlite3_stmt** out) { return sqlite3_prepare_v2(db, sql, -1, out, nullptr); };
  if (prep("INSERT OR REPLACE INTO objects (resource, ns, name, rev, value) VALUES (?, ?, ?, ?, ?)", &b->put_) ||
      prep("DELETE FROM objects WHERE resource = ? AND ns = ? AND name = ?", &b->remove_) ||
      prep("INSERT OR REPLACE INTO meta (key, value) VALUES ('revision', ?)", &b->setRev_)) {
    return Error::internal(fmt::format("open store {}: {}", path, sqlite3_errmsg(db)));
  }
  return b;
}

SqliteBackend::~SqliteBackend() {
  sqlite3_finalize(put_);
  sqlite3_finalize(remove_);
  sqlite3_finalize(setRev_);
  sqlite3_close(db_);
}

Status SqliteBackend::error(const char* what) {
  return Error::internal(fmt::format("{}: {}", what, sqlite3_errmsg(db_)));
}

Status SqliteBackend::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Error::internal(msg);
  }
  return {};
}

Result<std::int64_t> SqliteBackend::revision() {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = 'revision'", -1, &st, nullptr) != SQLITE_OK)
    return error("read revision").error();
  std::int64_t rev = 0;
  if (sqlite3_step(st) == SQLITE_ROW) rev = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rev;
}

Status SqliteBackend::forEach(const RowFn& fn) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT resource, ns, name, rev, value FROM objects", -1, &st, nullptr) != SQLITE_OK)
    return error("load objects");
  auto text = [&](int col) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_blob(st, col)),
                       static_cast<std::size_t>(sqlite3_column_bytes(st, col)));
  };
  Status result;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    result = fn(text(0), text(1), text(2), sqlite3_column_int64(st, 3), text(4));
    if (!result) break;
  }
  if (result && rc != SQLITE_DONE) result = error("load objects");
  sqlite3_finalize(st);
  return result;
}

Status SqliteBackend::begin() { return exec("BEGIN IMMEDIATE"); }

Status SqliteBackend::put(const std::string& resource, const std::string& ns, const std::string& name, std::int64_t rev,
                          const std::string& value) {
  sqlite3_reset(put_);
  sqlite3_bind_text(put_, 1, resource.data(), static_cast<int>(resource.size()), SQLITE_STATIC);
  sqlite3_bind_text(put_, 2, ns.data(), static_cast<int>(ns.size()), SQLITE_STATIC);
  sqlite3_bind_text(put_, 3, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
  sqlite3_bind_int64(put_, 4, rev);
  sqlite3_bind_blob(put_, 5, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  if (sqlite3_step(put_) != SQLITE_DONE) return error("write object");
  return {};
}

Status SqliteBackend::remove(const std::string& resource, const std::string& ns, const std::string& name) {
  sqlite3_reset(remove_);
  sqlite3_bind_text(remove_, 1, resource.data(), static_cast<int>(resource.size()), SQLITE_STATIC);
  sqlite3_bind_text(remove_, 2, ns.data(), static_cast<int>(ns.size()), SQLITE_STATIC);
  sqlite3_bind_text(remove_, 3, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
  if (sqlite3_step(remove_) != SQLITE_DONE) return error("delete object");
  return {};
}

Status SqliteBackend::commit(std::int64_t revision) {
  sqlite3_reset(setRev_);
  sqlite3_bind_int64(setRev_, 1, revision);
  if (sqlite3_step(setRev_) != SQLITE_DONE) return error("write revision");
  return exec("COMMIT");
}

void SqliteBackend::rollback() { (void)exec("ROLLBACK"); }

Status SqliteBackend::copyTo(const std::string& path) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "VACUUM INTO ?", -1, &st, nullptr) != SQLITE_OK) return error("backup");
  sqlite3_bind_text(st, 1, path.data(), static_cast<int>(path.size()), SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return error("backup");
  return {};
}

}  // namespace kwok::store
