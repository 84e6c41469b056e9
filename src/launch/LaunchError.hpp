#pragma once

#include <stdexcept>
#include <string>

namespace ariadne::launch {

// Bad input to the launcher: the message is one line that names the file and
// the reason; the CLI prints it and exits with status 2.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ariadne::launch
