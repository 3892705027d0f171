#include "hv/dev/uart16550.h"


namespace mipshv {

namespace {
enum Reg : uint64_t { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
constexpr uint8_t LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40;
constexpr uint8_t IER_RDI = 0x01, IER_THRI = 0x02;
constexpr uint8_t IIR_NONE = 0x01, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_FIFO = 0xc0;
}  // namespace

Uart16550::Uart16550(ConsoleBackend& console, std::function<void(bool)> irq) : console_(console), irq_(std::move(irq)) {}

void Uart16550::update_irq() {
    bool level = ((ier_ & IER_RDI) && !rx_.empty()) || ((ier_ & IER_THRI) && thr_empty_irq_);
    if (irq_) irq_(level);
}

void Uart16550::receive(uint8_t byte) {
    rx_.push_back(byte);
    update_irq();
}

uint64_t Uart16550::on_read(unsigned, uint64_t offset, unsigned) {
    uint8_t v = 0;
    switch (offset) {
        case RBR_THR:
            if (dlab()) return dll_;
            if (!rx_.empty()) {
                v = rx_.front();
                rx_.pop_front();
            }
            break;
        case IER: return dlab() ? dlm_ : ier_;
        case IIR_FCR:
            if ((ier_ & IER_RDI) && !rx_.empty()) v = IIR_RDI;
            else if ((ier_ & IER_THRI) && thr_empty_irq_) {
                v = IIR_THRI;
                thr_empty_irq_ = false;  // reading IIR acknowledges THRE
            } else v = IIR_NONE;
            if (fcr_ & 1) v |= IIR_FIFO;
            break;
        case LCR: return lcr_;
        case MCR: return mcr_;
        case LSR: v = LSR_THRE | LSR_TEMT | (rx_.empty() ? 0 : LSR_DR); break;
        case MSR: v = 0xb0; break;  // CTS, DSR, DCD asserted: a cable is always attached
        case SCR: return scr_;
        default: return 0;
    }
    update_irq();
    return v;
}

void Uart16550::on_write(unsigned, uint64_t offset, unsigned, uint64_t value) {
    uint8_t v = uint8_t(value);
    switch (offset) {
        case RBR_THR:
            if (dlab()) {
                dll_ = v;
                return;
            }
            console_.write(&v, 1);
            ++bytes_sent_;
            thr_empty_irq_ = true;  // sent at once: the holding register is empty again
            break;
        case IER:
            if (dlab()) {
                dlm_ = v;
                return;
            }
            // Enabling THRE interrupts with an empty THR raises one (16550 behaviour).
            if (!(ier_ & IER_THRI) && (v & IER_THRI)) thr_empty_irq_ = true;
            ier_ = v & 0x0f;
            break;
        case IIR_FCR:
            fcr_ = v & 0xc9;
            if (v & 0x02) rx_.clear();
            break;
        case LCR: lcr_ = v; return;
        case MCR: mcr_ = v & 0x1f; return;
        case SCR: scr_ = v; return;
        default: return;
    }
    update_irq();
}

}  // namespace mipshv
