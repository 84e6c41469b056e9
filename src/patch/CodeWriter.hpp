// Writes patch batches into code pages under W^X. Why a separate layer: the
// arch code (CodePatch.hpp) only stores bytes and synchronises; someone has to
// make the pages writable, group the work so each page range is
// mprotect-ed once per batch (a syscall, and under QEMU every change flushes
// the page's translations), and put R-X back so no page stays writable and
// executable between batches. Pages are made RWX, never RW: other threads
// may be executing on them while a batch is written.
//
// Thread-safety: none. Callers serialize every prepare/apply (the trace core
// holds its patch lock); prepare additionally requires that no other thread
// runs the module's code (load time, before the module is published).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "arch/CodePatch.hpp"
#include "patch/ModuleImage.hpp"

namespace ariadne::patch {

struct WriteResult {
  bool ok = true;
  std::size_t written = 0;  // sites changed (prepare) / toggled (apply)
  std::string error;        // on failure: which mprotect failed, strerror and errno
};

class CodeWriter {
 public:
  // pristine -> prepared for every site of `module` that is still pristine,
  // in one pass: each contiguous page range is opened RWX once, written and
  // closed R-X. Sites already prepared or calling (e.g. inherited across
  // fork) are left as they are. Does nothing for a module marked skip.
  WriteResult prepare(ModuleImage& module);

  // Flips a batch of prepared/calling sites with arch::toggle_live, sorted by
  // address, with every page range of the batch RWX around the one call.
  // Nothing is toggled if any range cannot be made writable.
  WriteResult apply(std::span<const arch::Toggle> batch);
};

}  // namespace ariadne::patch
