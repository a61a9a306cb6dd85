#include "kwokctl/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kwok::kwokctl {

namespace fs = std::filesystem;

Result<pid_t> startDetached(const std::vector<std::string>& argv, const std::string& logFile,
                            const std::string& workDir) {
  if (argv.empty()) return Error::internal("no command to start");
  int logFd = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (logFd < 0) return Error::internal(fmt::format("open {}: {}", logFile, std::strerror(errno)));
  // The child reports a failed exec through this pipe; a successful exec
  // closes it, so once it reads as closed the process runs the program.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    ::close(logFd);
    return Error::internal(fmt::format("pipe: {}", std::strerror(errno)));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(logFd);
    ::close(report[0]);
    ::close(report[1]);
    return Error::internal(fmt::format("fork: {}", std::strerror(e)));
  }
  if (pid == 0) {
    // Child: a session of its own, so it survives kwokctl and its terminal.
    ::setsid();
    int devNull = ::open("/dev/null", O_RDONLY);
    ::dup2(devNull, 0);
    ::dup2(logFd, 1);
    ::dup2(logFd, 2);
    int err = 0;
    if (::chdir(workDir.c_str()) != 0) err = errno;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (err == 0) {
      ::execv(args[0], args.data());
      err = errno;
    }
    (void)!::write(report[1], &err, sizeof err);
    _exit(127);
  }
  ::close(logFd);
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    return Error::internal(fmt::format("cannot run {}: {}", argv[0], std::strerror(err)));
  }
  return pid;
}

bool isOurProcess(pid_t pid, const std::string& marker) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string cmdline = ss.str();
  if (cmdline.empty()) return false;  // a zombie or a kernel thread
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  return cmdline.find(marker) != std::string::npos;
}

bool childExited(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD && ::kill(pid, 0) != 0);
}

void stopProcess(pid_t pid, const std::string& marker, std::chrono::milliseconds grace) {
  if (!isOurProcess(pid, marker)) return;
  ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    childExited(pid);
    if (!isOurProcess(pid, marker)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 100 && isOurProcess(pid, marker); ++i) {
    childExited(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string selfDirectory() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

std::string findBinary(const std::string& name) {
  auto isExec = [](const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); };
  if (auto dir = selfDirectory(); !dir.empty() && isExec(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string entry;
  while (std::getline(ss, entry, ':')) {
    if (!entry.empty() && isExec(fs::path(entry) / name)) return (fs::path(entry) / name).string();
  }
  return {};
}

}  // namespace kwok::kwokctl
