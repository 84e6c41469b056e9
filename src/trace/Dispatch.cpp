// Placeholder.
#include "trace/Dispatch.hpp"
