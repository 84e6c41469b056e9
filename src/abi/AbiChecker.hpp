// The ABI checker (`ariadne abicheck`): ARIADNE_ABICHECK=1 and friends, read
// by the runtime's constructor. See AbiChecker.cpp for the variables.
#pragma once

namespace ariadne::abi {

void start_abi_checker_from_environment() noexcept;

}  // namespace ariadne::abi
