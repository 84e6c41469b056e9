// Workloads (b), (c) and the control twin of (b): the same code three times, compiled with the instrument
// flags (ariadne_instrument), so every function starts with the pristine sled.
// trace_sled_bench.cpp prepares the sleds of the (c) copy. See
// trace_workload.hpp.
#include "trace_workload_impl.hpp"

template struct ariadne::bench::Workload<ariadne::bench::Sled::pristine>;
template struct ariadne::bench::Workload<ariadne::bench::Sled::prepared>;
template struct ariadne::bench::Workload<ariadne::bench::Sled::twin>;
