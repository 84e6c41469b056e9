// Workload (a): compiled without the instrument flags, so no function here
// has a sled (bench/CMakeLists.txt). See trace_workload.hpp.
#include "trace_workload_impl.hpp"

template struct ariadne::bench::Workload<ariadne::bench::Sled::none>;
