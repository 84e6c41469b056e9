// exec_env_probe: starts a new image of itself in each way a program can
// (exec family, posix_spawn, posix_spawnp, system), every time with an
// environment of its own that lacks what the runtime needs (no LD_PRELOAD,
// no ARIADNE_*: a custom envp, or environ after clearenv for the calls that
// take none). Under `ariadne record` each new image must still be recorded;
// record_test.sh (case exec-env) checks that each image_<method> function
// was called IMAGE_CALLS times in an image of its own.
//
//   exec_env_probe run             every method in turn; exit 0 if all ran
//   exec_env_probe child METHOD    the new image: checks its environment
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern char** environ;

// Plain C names, so that the recording shows image_execl and not a
// namespace-qualified signature.
#define IMAGE_FN(m) \
  extern "C" __attribute__((noinline)) void image_##m(int i) { g_sink = g_sink + i; }
volatile int g_sink = 0;
IMAGE_FN(execl)
IMAGE_FN(execle)
IMAGE_FN(execv)
IMAGE_FN(execve)
IMAGE_FN(execvp)
IMAGE_FN(execvpe)
IMAGE_FN(fexecve)
IMAGE_FN(posix_spawn)
IMAGE_FN(posix_spawnp)
IMAGE_FN(system)
#undef IMAGE_FN

namespace {

constexpr int kImageCalls = 3;

struct Method {
  const char* name;
  void (*work)(int);
};
constexpr Method kMethods[] = {
    {"execl", image_execl},     {"execle", image_execle},           {"execv", image_execv},
    {"execve", image_execve},   {"execvp", image_execvp},           {"execvpe", image_execvpe},
    {"fexecve", image_fexecve}, {"posix_spawn", image_posix_spawn}, {"posix_spawnp", image_posix_spawnp},
    {"system", image_system},
};

std::string g_self;  // absolute path of this program
std::string g_dir;   // its directory, put first in PATH for the searching calls
std::string g_base;  // its file name

// The environment each new image gets: the method's name and a PATH. A
// stale ARIADNE_RECORD and an empty LD_PRELOAD make the runtime's merge
// replace and complete entries, not only add them.
struct Env {
  std::string probe, path;
  char* entries[5];
  explicit Env(const char* method) {
    probe = std::string("EXEC_ENV_PROBE=") + method;
    path = "PATH=" + g_dir + ":/usr/bin:/bin";
    entries[0] = probe.data();
    entries[1] = path.data();
    entries[2] = const_cast<char*>("ARIADNE_RECORD=/nonexistent/stale");
    entries[3] = const_cast<char*>("LD_PRELOAD=");
    entries[4] = nullptr;
  }
};

// For the calls that take no envp: the program's own environment, replaced.
void use_own_environment(const char* method) {
  clearenv();
  setenv("EXEC_ENV_PROBE", method, 1);
  setenv("PATH", (g_dir + ":/usr/bin:/bin").c_str(), 1);
}

[[noreturn]] void exec_in_child(const char* m) {
  Env env(m);
  char* argv[] = {const_cast<char*>(g_base.c_str()), const_cast<char*>("child"), const_cast<char*>(m),
                  nullptr};
  const char* self = g_self.c_str();
  if (std::strcmp(m, "execl") == 0) {
    use_own_environment(m);
    execl(self, argv[0], "child", m, static_cast<char*>(nullptr));
  } else if (std::strcmp(m, "execle") == 0) {
    execle(self, argv[0], "child", m, static_cast<char*>(nullptr), env.entries);
  } else if (std::strcmp(m, "execv") == 0) {
    use_own_environment(m);
    execv(self, argv);
  } else if (std::strcmp(m, "execve") == 0) {
    execve(self, argv, env.entries);
  } else if (std::strcmp(m, "execvp") == 0) {
    use_own_environment(m);
    execvp(g_base.c_str(), argv);
  } else if (std::strcmp(m, "execvpe") == 0) {
    setenv("PATH", (g_dir + ":/usr/bin:/bin").c_str(), 1);  // execvpe searches the caller's PATH
    execvpe(g_base.c_str(), argv, env.entries);
  } else if (std::strcmp(m, "fexecve") == 0) {
    const int fd = open(self, O_RDONLY);  // not O_CLOEXEC: the kernel reads it through /proc/self/fd
    fexecve(fd, argv, env.entries);
  } else if (std::strcmp(m, "system") == 0) {
    use_own_environment(m);
    const std::string command = "exec '" + g_self + "' child system";
    const int status = system(command.c_str());
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 126);
  }
  std::fprintf(stderr, "exec_env_probe: %s: %s\n", m, std::strerror(errno));
  _exit(127);
}

bool run_method(const char* m) {
  pid_t pid = -1;
  if (std::strncmp(m, "posix_spawn", 11) == 0) {
    Env env(m);
    char* argv[] = {const_cast<char*>(g_base.c_str()), const_cast<char*>("child"), const_cast<char*>(m),
                    nullptr};
    const bool search = std::strcmp(m, "posix_spawnp") == 0;
    const int rc = search ? posix_spawnp(&pid, g_base.c_str(), nullptr, nullptr, argv, env.entries)
                          : posix_spawn(&pid, g_self.c_str(), nullptr, nullptr, argv, env.entries);
    if (rc != 0) {
      std::fprintf(stderr, "exec_env_probe: %s: %s\n", m, std::strerror(rc));
      return false;
    }
  } else {
    std::fflush(nullptr);
    pid = fork();
    if (pid == 0) exec_in_child(m);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return false;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "exec_env_probe: %s: the new image ended with status 0x%x\n", m, status);
    return false;
  }
  return true;
}

int child(const char* m) {
  const char* seen = std::getenv("EXEC_ENV_PROBE");
  if (seen == nullptr || std::strcmp(seen, m) != 0) {
    std::fprintf(stderr, "exec_env_probe: %s: EXEC_ENV_PROBE is %s\n", m, seen ? seen : "unset");
    return 3;
  }
  for (const Method& method : kMethods) {
    if (std::strcmp(method.name, m) != 0) continue;
    for (int i = 0; i < kImageCalls; ++i) method.work(i);
    return 0;
  }
  return 4;
}

}  // namespace

int main(int argc, char** argv) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 5;
  self[n] = '\0';
  g_self = self;
  g_dir = g_self.substr(0, g_self.rfind('/'));
  g_base = g_self.substr(g_self.rfind('/') + 1);
  if (argc == 3 && std::strcmp(argv[1], "child") == 0) return child(argv[2]);
  if (argc != 2 || std::strcmp(argv[1], "run") != 0) {
    std::fprintf(stderr, "usage: exec_env_probe run | child METHOD\n");
    return 2;
  }
  setenv("PATH", (g_dir + ":/usr/bin:/bin").c_str(), 1);  // posix_spawnp searches the caller's PATH
  int ok = 0;
  for (const Method& method : kMethods) ok += run_method(method.name) ? 1 : 0;
  const int total = static_cast<int>(sizeof kMethods / sizeof kMethods[0]);
  std::printf("exec_env_probe: %d of %d images ran with their own environment\n", ok, total);
  return ok == total ? 0 : 1;
}
