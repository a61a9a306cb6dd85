// A connected socket, optionally wrapped in TLS, that Boost.Beast can read
// HTTP from and write HTTP to (it models SyncReadStream/SyncWriteStream).
//
// Why not asio's sockets: their synchronous reads ignore SO_RCVTIMEO and
// cannot be given a deadline, and asio::ssl costs compile time. Here every
// read and write waits with poll() and a timeout, and shutting down the fd
// from another thread unblocks it (how servers stop and clients cancel).
//
// Internal to src/net: included only by the .cpp files that use Beast.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <string>

namespace kwok::net {

class FdStream {
 public:
  // Takes ownership of a connected, non-blocking fd and of `ssl` (may be null).
  FdStream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;
  ~FdStream();

  int fd() const { return fd_; }
  SSL* ssl() const { return ssl_; }
  // Deadlines for each blocking wait; -1 waits forever.
  void setTimeouts(int readMs, int writeMs) { readTimeoutMs_ = readMs, writeTimeoutMs_ = writeMs; }

  // Completes the TLS handshake (no-op without TLS). Returns a message on failure.
  std::string handshake(bool server, int timeoutMs);

  // True when the peer has closed its end (non-blocking check).
  bool peerClosed() const;

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b = *it;
      if (b.size() > 0) return readRaw(b.data(), b.size(), ec);
    }
    ec = {};
    return 0;
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    auto n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  // Small pieces are gathered into one write: Beast hands over a chunk as
  // size line, data and CRLF, and a message as header and body, and every
  // write costs a TLS record, a syscall and a packet of its own.
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    gathered_.clear();
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer b = *it;
      if (b.size() == 0) continue;
      if (gathered_.empty() && b.size() >= kGatherLimit) return writeRaw(b.data(), b.size(), ec);
      if (gathered_.size() + b.size() > kGatherLimit) break;
      gathered_.append(static_cast<const char*>(b.data()), b.size());
    }
    ec = {};
    return gathered_.empty() ? 0 : writeRaw(gathered_.data(), gathered_.size(), ec);
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers) {
    boost::system::error_code ec;
    auto n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::size_t readRaw(void* data, std::size_t size, boost::system::error_code& ec);
  std::size_t writeRaw(const void* data, std::size_t size, boost::system::error_code& ec);
  // Waits for `events` on the fd; false (with ec set) on timeout or error.
  bool wait(short events, int timeoutMs, boost::system::error_code& ec) const;

  static constexpr std::size_t kGatherLimit = 64 * 1024;

  int fd_;
  SSL* ssl_;
  std::string gathered_;
  int readTimeoutMs_ = -1;
  int writeTimeoutMs_ = -1;
};

// OpenSSL's queued errors as one line (and clears the queue).
std::string opensslErrors();

}  // namespace kwok::net
