// Functions shared by the trace tests' executables and DSOs.
#pragma once

extern "C" long linked_add(long a, long b);
