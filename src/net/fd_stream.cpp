#include "net/fd_stream.h"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace kwok::net {

namespace asio = boost::asio;
using boost::system::error_code;

std::string opensslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

FdStream::~FdStream() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

bool FdStream::wait(short events, int timeoutMs, error_code& ec) const {
  pollfd p{fd_, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, timeoutMs);
    if (r > 0) return true;
    if (r == 0) {
      ec = asio::error::timed_out;
      return false;
    }
    if (errno != EINTR) {
      ec = error_code(errno, boost::system::system_category());
      return false;
    }
  }
}

bool FdStream::peerClosed() const {
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return true;
  char c;
  return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

std::string FdStream::handshake(bool server, int timeoutMs) {
  if (!ssl_) return {};
  for (;;) {
    ERR_clear_error();
    int r = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (r == 1) return {};
    int err = SSL_get_error(ssl_, r);
    error_code ec;
    if (err == SSL_ERROR_WANT_READ) {
      if (!wait(POLLIN, timeoutMs, ec)) return "TLS handshake: " + ec.message();
    } else if (err == SSL_ERROR_WANT_WRITE) {
      if (!wait(POLLOUT, timeoutMs, ec)) return "TLS handshake: " + ec.message();
    } else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      return "TLS handshake: connection closed by peer";
    } else {
      return "TLS handshake: " + opensslErrors();
    }
  }
}

std::size_t FdStream::readRaw(void* data, std::size_t size, error_code& ec) {
  ec = {};
  for (;;) {
    if (ssl_) {
      ERR_clear_error();
      int r = SSL_read(ssl_, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
      if (r > 0) return static_cast<std::size_t>(r);
      int err = SSL_get_error(ssl_, r);
      if (err == SSL_ERROR_WANT_READ) {
        if (!wait(POLLIN, readTimeoutMs_, ec)) return 0;
      } else if (err == SSL_ERROR_WANT_WRITE) {
        if (!wait(POLLOUT, writeTimeoutMs_, ec)) return 0;
      } else if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL) {
        // A close_notify, or a peer that just closed the socket: both end the stream.
        ec = asio::error::eof;
        return 0;
      } else {
        ec = asio::error::connection_reset;
        return 0;
      }
    } else {
      ssize_t r = ::recv(fd_, data, size, 0);
      if (r > 0) return static_cast<std::size_t>(r);
      if (r == 0) {
        ec = asio::error::eof;
        return 0;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait(POLLIN, readTimeoutMs_, ec)) return 0;
      } else if (errno != EINTR) {
        ec = error_code(errno, boost::system::system_category());
        return 0;
      }
    }
  }
}

std::size_t FdStream::writeRaw(const void* data, std::size_t size, error_code& ec) {
  ec = {};
  for (;;) {
    if (ssl_) {
      ERR_clear_error();
      int r = SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
      if (r > 0) return static_cast<std::size_t>(r);
      int err = SSL_get_error(ssl_, r);
      if (err == SSL_ERROR_WANT_WRITE) {
        if (!wait(POLLOUT, writeTimeoutMs_, ec)) return 0;
      } else if (err == SSL_ERROR_WANT_READ) {
        if (!wait(POLLIN, readTimeoutMs_, ec)) return 0;
      } else {
        ec = asio::error::broken_pipe;
        return 0;
      }
    } else {
      ssize_t r = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait(POLLOUT, writeTimeoutMs_, ec)) return 0;
      } else if (errno != EINTR) {
        ec = error_code(errno, boost::system::system_category());
        return 0;
      }
    }
  }
}

}  // namespace kwok::net
