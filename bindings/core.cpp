// mipshv._core: the machine as Python sees it. The Python package
// (bindings/mipshv/__init__.py) builds the friendly VM API on top.
// Options are passed as a command line, so Python and the CLI share one
// parser, one set of names and one set of error messages.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hv/board/console_backend.h"
#include "hv/board/machine.h"
#include "hv/common/error.h"
#include "hv/stats/cost_model.h"
#include "hv/vmm/exec_mode.h"

namespace py = pybind11;
using namespace mipshv;

namespace {

class PyMachine {
public:
    explicit PyMachine(std::vector<std::string> args) {
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        Options opts = parse_options(int(argv.size()), argv.data());
        auto console = std::make_unique<BufferConsole>();
        console_ = console.get();
        machine_ = std::make_unique<Machine>(opts, std::move(console));
        machine_->return_after_host_waits(true);  // (the module looks at the console between runs)
    }

    // Runs up to `instructions` guest instructions without holding the GIL.
    // The machine's lock keeps other Python threads out meanwhile.
    std::string run(uint64_t instructions) {
        py::gil_scoped_release release;
        std::lock_guard lock(mutex_);
        return stop_reason_name(machine_->run(instructions));
    }
    py::bytes output(size_t from) {
        std::string copy;
        {
            py::gil_scoped_release release;
            std::lock_guard lock(mutex_);
            const std::string& out = console_->output();
            if (from < out.size()) copy.assign(out, from);
        }
        return py::bytes(copy);
    }
    void send(const std::string& text) {
        py::gil_scoped_release release;
        std::lock_guard lock(mutex_);
        console_->send(text);
    }
    py::bytes record(double wall_seconds) {
        std::string bytes;
        {
            py::gil_scoped_release release;
            std::lock_guard lock(mutex_);
            machine_->run_record(wall_seconds).SerializeToString(&bytes);
        }
        return py::bytes(bytes);
    }
    int exit_code() {
        std::lock_guard lock(mutex_);
        return machine_->exit_code();
    }
    uint64_t instructions() {
        std::lock_guard lock(mutex_);
        return machine_->cpu().instret;
    }

private:
    std::mutex mutex_;
    std::unique_ptr<Machine> machine_;
    BufferConsole* console_;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "mipshv machine core (use the mipshv package)";
    m.attr("__version__") = MIPSHV_VERSION;
    py::tuple modes(kExecModeNames.size());
    for (size_t k = 0; k < kExecModeNames.size(); ++k) modes[k] = std::string(kExecModeNames[k]);
    m.attr("MODES") = modes;  // hv/vmm/exec_mode.h's list, the only one
    py::register_exception<Error>(m, "Error");
    py::class_<PyMachine>(m, "Machine")
        .def(py::init<std::vector<std::string>>(), py::arg("argv"))
        .def("run", &PyMachine::run, py::arg("instructions"))
        .def("output", &PyMachine::output, py::arg("start") = 0)
        .def("send", &PyMachine::send)
        .def("record", &PyMachine::record, py::arg("wall_seconds"))
        .def("exit_code", &PyMachine::exit_code)
        .def("instructions", &PyMachine::instructions);
    // A RunRecord (serialized) priced by a cost model profile: the same
    // pricing as --cost-model and `mipshv stats --cost-model`.
    m.def(
        "model_cost",
        [](const py::bytes& record, const std::string& profile) {
            stats::RunRecord r;
            if (!r.ParseFromString(std::string(record))) throw Error("mipshv: model_cost: not a RunRecord");
            model_cost(load_cost_model(profile), profile, r);
            std::string out;
            r.SerializeToString(&out);
            return py::bytes(out);
        },
        py::arg("record"), py::arg("profile"));
}
