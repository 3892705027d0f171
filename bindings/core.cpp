// mipshv._core: the machine as Python sees it. The Python package
// (bindings/mipshv/__init__.py) builds the friendly VM API on top.
// Options are passed as a command line, so Python and the CLI share one
// parser, one set of names and one set of error messages.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <csignal>
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

// Ctrl-C during a run, which holds no GIL: the run stops at its next block
// and Python's own SIGINT handler is called too, so KeyboardInterrupt (or
// whatever the script's handler does) follows as soon as the run returns.
unsigned long g_main_thread = 0;  // Python's main thread (PyThread_get_thread_ident), set at import
std::atomic<Machine*> g_sigint_stops{nullptr};
std::atomic<bool> g_sigint_seen{false};
struct sigaction g_python_sigint {};

extern "C" void stop_run_on_sigint(int sig) {
    g_sigint_seen.store(true);
    if (Machine* m = g_sigint_stops.load()) m->request_stop(StopReason::INTERRUPTED);
    g_python_sigint.sa_handler(sig);
}

// For the scope of a run on Python's main thread (the one its signal
// handlers run on), where Python handles SIGINT (not SIG_IGN, not SIG_DFL).
class SigintStopsRun {
public:
    explicit SigintStopsRun(Machine& m) {
        if (PyThread_get_thread_ident() != g_main_thread) return;
        struct sigaction python {};
        sigaction(SIGINT, nullptr, &python);
        if ((python.sa_flags & SA_SIGINFO) || python.sa_handler == SIG_IGN || python.sa_handler == SIG_DFL) return;
        g_python_sigint = python;
        g_sigint_stops.store(&m);
        struct sigaction ours = python;
        ours.sa_handler = stop_run_on_sigint;
        sigaction(SIGINT, &ours, nullptr);
        installed_ = true;
    }
    // Whether a Ctrl-C came while it was installed.
    bool ended() {
        if (!installed_) return false;
        sigaction(SIGINT, &g_python_sigint, nullptr);
        g_sigint_stops.store(nullptr);
        installed_ = false;
        return g_sigint_seen.exchange(false);
    }
    ~SigintStopsRun() { ended(); }
    SigintStopsRun(const SigintStopsRun&) = delete;
    SigintStopsRun& operator=(const SigintStopsRun&) = delete;

private:
    bool installed_ = false;
};

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
        StopReason why;
        SigintStopsRun sigint(*machine_);
        {
            py::gil_scoped_release release;
            std::lock_guard lock(mutex_);
            why = machine_->run(instructions);
        }
        // A Ctrl-C that came as the run ended, too late to stop it, must not
        // stop the next one: Python's handler has it (KeyboardInterrupt).
        if (sigint.ended() && why != StopReason::INTERRUPTED) machine_->withdraw_stop();
        // Stopped by Ctrl-C: Python's handler runs now (KeyboardInterrupt).
        if (why == StopReason::INTERRUPTED && PyErr_CheckSignals() != 0) throw py::error_already_set();
        return stop_reason_name(why);
    }
    // From any thread, without the machine's lock: the run in progress (or
    // the next one) stops at its next block and returns "interrupted".
    void interrupt() { machine_->request_stop(StopReason::INTERRUPTED); }
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
        uint64_t n = 0;
        for (unsigned k = 0; k < machine_->vcpu_count(); ++k) n += machine_->cpu(k).instret;
        return n;
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
    g_main_thread = py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
    py::tuple modes(kExecModeNames.size());
    for (size_t k = 0; k < kExecModeNames.size(); ++k) modes[k] = std::string(kExecModeNames[k]);
    m.attr("MODES") = modes;  // hv/vmm/exec_mode.h's list, the only one
    py::register_exception<Error>(m, "Error");
    py::class_<PyMachine>(m, "Machine")
        .def(py::init<std::vector<std::string>>(), py::arg("argv"))
        .def("run", &PyMachine::run, py::arg("instructions"))
        .def("interrupt", &PyMachine::interrupt)
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
