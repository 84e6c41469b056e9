// Shared by the libFuzzer targets: the reader entry points exercised the
// way the commands use them. The targets only check that reading never
// crashes, hangs or trips a sanitizer; what they find is in the Problems.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
