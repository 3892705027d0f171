// A 16550A UART (registers at byte stride): transmit goes to the console
// backend at once; receive takes bytes queued by the host side. The
// guest may program it any way it likes: divisor, line control and FIFO
// settings are stored and read back but have no effect on the host.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>

#include "hv/board/console_backend.h"
#include "hv/dev/mmio_device.h"

namespace mipshv {

class Uart16550 final : public MmioDevice {
public:
    // `irq` is called with the level of the interrupt output whenever it may change.
    Uart16550(ConsoleBackend& console, std::function<void(bool)> irq = {});

    std::string name() const override { return "uart16550"; }
    // Byte registers (reg-io-width 1), as Linux's 8250 driver accesses them.
    bool accepts(uint64_t offset, unsigned size) const override { return aligned_access_of(1, offset, size); }
    uint64_t on_read(unsigned, uint64_t offset, unsigned size) override;
    void on_write(unsigned, uint64_t offset, unsigned size, uint64_t value) override;

    void receive(uint8_t byte);  // host -> guest
    // The guest listens (receive interrupts on) and has drained what it got.
    bool ready_for_input() const { return (ier_ & 0x01) && rx_.empty(); }
    static constexpr size_t kFifoSize = 16;
    uint64_t bytes_sent() const { return bytes_sent_; }

private:
    void update_irq();
    bool dlab() const { return lcr_ & 0x80; }

    ConsoleBackend& console_;
    std::function<void(bool)> irq_;
    std::deque<uint8_t> rx_;
    uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0, fcr_ = 0, dll_ = 0, dlm_ = 0;
    bool thr_empty_irq_ = false;  // THRE interrupt pending (cleared by IIR read or THR write)
    uint64_t bytes_sent_ = 0;
};

}  // namespace mipshv
