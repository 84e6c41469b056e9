#include "record/SitesLink.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cstddef>

#include "arch/RawSyscall.hpp"
#include "record/RecorderLink.hpp"
#include "trace/SiteTable.hpp"
#include "trace/Tracer.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {
namespace {

int g_fd = -1;
struct stat g_pipe {};
std::atomic<bool> g_told{false};

// Under the tracer's lock: a module with sites was added.
void on_module_added(std::size_t) {
  if (g_told.exchange(true) || !still_the_pipe(g_fd, g_pipe)) return;
  const char byte = 'i';
  (void)sys_write(g_fd, &byte, 1);  // non-blocking: a full pipe holds bytes enough
}

}  // namespace

void start_sites_link_from_environment() noexcept {
  g_fd = pipe_from_environment(kSitesLinkVariable, g_pipe);
  if (g_fd < 0) return;
  trace::detail::leave_uninstrumented_program_to_launcher();
  (void)trace::detail::add_module_observer(on_module_added);  // the first one: never taken
  // A program that links the runtime and calls the trace API from its own
  // constructors has had its first scan already.
  if (trace::detail::sites().site_count() != 0) on_module_added(0);
}

}  // namespace ariadne::record
