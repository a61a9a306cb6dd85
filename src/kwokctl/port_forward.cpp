#include "kwokctl/port_forward.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <list>
#include <thread>

namespace kwok::kwokctl {

namespace {

std::optional<int> number(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0 || v > 65535) return std::nullopt;
  return v;
}

// Copies both ways until either side closes or `wake` fires.
void relay(int a, int b, int wake) {
  char buf[32 * 1024];
  pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {wake, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[2].revents) return;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) return;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(fds[1 - i].fd, buf + off, static_cast<std::size_t>(n - off));
        if (w <= 0) return;
        off += w;
      }
    }
  }
}

int connectTo(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  std::string h = host.starts_with('[') ? host.substr(1, host.size() - 2) : host;
  if (::getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &ai) != 0 || !ai) return -1;
  int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(ai);
  return fd;
}

}  // namespace

Result<ForwardSpec> parseForward(const Component& c, const std::string& spec) {
  auto colon = spec.rfind(':');
  std::string local = colon == std::string::npos ? "" : spec.substr(0, colon);
  std::string remote = colon == std::string::npos ? spec : spec.substr(colon + 1);
  ForwardSpec out;
  if (!local.empty()) {
    auto l = number(local);
    if (!l) return Error::badRequest(fmt::format("invalid local port {:?} in {:?}", local, spec));
    out.localPort = *l;
  }
  std::string known;
  for (const auto& p : c.ports) {
    known += fmt::format("{}{} ({})", known.empty() ? "" : ", ", p.port, p.name);
    if (p.name == remote || std::to_string(p.port) == remote) out.remotePort = p.port;
  }
  if (out.remotePort == 0)
    return Error::badRequest(known.empty() ? fmt::format("{} serves no port to forward to", c.name)
                                           : fmt::format("{} has no port {:?}: its ports are {}", c.name, remote, known));
  return out;
}

Status forwardPort(const std::string& host, const ForwardSpec& spec, const StopToken& stop,
                   const std::function<void(int)>& ready) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(spec.localPort));
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 64) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int e = errno;
    ::close(listener);
    return Error::conflict(fmt::format("cannot listen on 127.0.0.1:{}: {}", spec.localPort, std::strerror(e)));
  }
  int wake = ::eventfd(0, EFD_CLOEXEC);
  int id = stop.onStop([wake] {
    std::uint64_t v = 1;
    (void)!::write(wake, &v, sizeof v);
  });
  if (ready) ready(ntohs(addr.sin_port));
  std::list<std::thread> relays;
  pollfd fds[2] = {{listener, POLLIN, 0}, {wake, POLLIN, 0}};
  while (!stop.requested()) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents) break;
    if (!(fds[0].revents & POLLIN)) continue;
    int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    relays.emplace_back([client, host, remote = spec.remotePort, wake] {
      int upstream = connectTo(host, remote);
      if (upstream >= 0) relay(client, upstream, wake);
      if (upstream >= 0) ::close(upstream);
      ::close(client);
    });
  }
  stop.removeOnStop(id);
  // Wake every relay (the eventfd stays readable), then wait for them.
  std::uint64_t v = 1;
  (void)!::write(wake, &v, sizeof v);
  for (auto& t : relays) t.join();
  ::close(wake);
  ::close(listener);
  return {};
}

}  // namespace kwok::kwokctl
