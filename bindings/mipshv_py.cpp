// Python bindings. Only the version for now; the VM API comes with a later issue.
#include <pybind11/pybind11.h>

PYBIND11_MODULE(mipshv, module) {
    module.doc() = "mipshv: MIPS64 Release 2 little-endian hypervisor / emulator";
    module.attr("__version__") = MIPSHV_VERSION;
}
