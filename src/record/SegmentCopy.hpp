// Copying a full segment out of a live file (docs/format.md "Segments") to
// <proc_dir>/t<tid>-<seq>.seg, whole or not at all (written as .seg.tmp,
// then renamed), its drain word 0. Shared by the writer (a thread copying its
// own) and `ariadne record`'s drainer (src/cli/LiveFileDrainer.cpp), so both
// make the same file the same way; no allocation, one writev.
#pragma once

#include "tracefile/Format.hpp"

namespace ariadne::record {

// `h` is the mapped header of a live file its caller claimed (drain word
// `copying`): sealed, `used` within `capacity`. False (nothing left behind)
// when the copy could not be made; errno says why.
bool copy_segment_out(const char* proc_dir, const tracefile::SegmentHeader* h) noexcept;

}  // namespace ariadne::record
