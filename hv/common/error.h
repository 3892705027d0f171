// One exception type for every user-facing failure (bad option, bad ELF, bad
// image): the CLI prints what() as a single line on stderr and exits non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace mipshv {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace mipshv
