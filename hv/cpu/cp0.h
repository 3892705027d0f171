// Coprocessor 0 register file semantics: what each register reads as, which
// bits a write may change and the side effects writes have (timer, ASID,
// privilege mode). mfc0/mtc0 and the hypervisor's virtual CP0 both use it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "hv/cpu/cpu.h"

namespace mipshv {

// Architected reset values (Config*, PRId, Status with ERL|BEV, ...).
void cp0_reset(Cpu& c, unsigned cpu_number);

// Where (reg, sel) is stored when its read value is simply its stored value
// (32-bit registers in the low half); nullptr for computed (Count, Random)
// and unimplemented registers. The hypervisor's 1:1 patches read and write
// these fields directly in the communication page.
uint64_t* cp0_field(Cp0State& r, unsigned reg, unsigned sel);
bool cp0_is_64bit(unsigned reg);
// The register's name as the MIPS64 PRA gives it ("Status", "KScratch1").
std::string cp0_register_name(unsigned reg, unsigned sel);

// For a write to (reg, sel) that only stores bits in its field (cp0_field),
// the bits it stores: field = (field & ~mask) | (value & mask), no side
// effect (neither the timer, the TLB's ASID, the privilege mode, nor the
// interrupt state); nullopt for the others. cp0_write applies it, and
// translated code inlines it.
std::optional<uint64_t> cp0_plain_write_mask(unsigned reg, unsigned sel);

// The bits of (reg, sel)'s field that a read returns: all of them, but for
// EntryLo0/1 only those their write mask stores. A patched DMTC0 to EntryLo
// is a plain store of the whole value (one instruction instead of a stub
// that masks it, patcher.cpp), so every reader drops the other bits: cp0_read,
// translated MFC0/DMFC0 and Tlb::write.
uint64_t cp0_read_mask(unsigned reg, unsigned sel);
// 64-bit view of (reg, sel); 32-bit registers read sign-extended. Registers
// that are not implemented read as zero.
uint64_t cp0_read(Cpu& c, unsigned reg, unsigned sel);
// Applies the write mask and side effects of (reg, sel).
void cp0_write(Cpu& c, unsigned reg, unsigned sel, uint64_t value);

// Virtual time and the Count/Compare timer.
uint32_t cp0_count(const Cpu& c);
void cp0_set_count(Cpu& c, uint32_t count);
void cp0_schedule_timer(Cpu& c);
// Whether the run loop must look at the timer before the next block.
bool cp0_timer_due(const Cpu& c);
// Called between blocks: raise the timer interrupt when its time has come.
void cp0_advance_timer(Cpu& c);
// Hardware interrupt line (2..6) from a device.
void cp0_set_irq_line(Cpu& c, unsigned line, bool level);
// The TLB index TLBWR uses: between Wired and the last entry, derived from
// virtual time so that runs are deterministic.
unsigned cp0_random(const Cpu& c);

}  // namespace mipshv
