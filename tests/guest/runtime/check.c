#include "check.h"

u64 chk_got, chk_want;
static unsigned n_pass, n_fail;

void chk_eq(const char *name, u64 got, u64 want)
{
	if (got == want) {
		n_pass++;
		tprintf("%s = 0x%016lx\n", name, got);
	} else {
		n_fail++;
		tprintf("FAIL %s: got 0x%016lx want 0x%016lx\n", name, got,
			want);
	}
}

void chk_eq_quiet(const char *name, u64 got, u64 want)
{
	if (got == want)
		chk_true(name, 1);
	else
		chk_eq(name, got, want);
}

void chk_true(const char *name, int ok)
{
	if (ok) {
		n_pass++;
		tprintf("%s: ok\n", name);
	} else {
		n_fail++;
		tprintf("FAIL %s\n", name);
	}
}

void chk_count(int ok)
{
	if (ok)
		n_pass++;
	else
		n_fail++;
}

int qemu_reference(void)
{
	static int cached = -1;
	static const char flag[] = "--qemu-reference";
	char buf[64];

	if (cached >= 0)
		return cached;
	cached = 0;
	long argc = uhi_call(UHI_ARGC, 0, 0, 0);
	for (long i = 0; i < argc && !cached; i++) {
		long len = uhi_call(UHI_ARGNLEN, i, 0, 0);
		if (len != (long)sizeof(flag) - 1)
			continue;
		if (uhi_call(UHI_ARGN, i, (long)buf, 0) != 0)
			continue;
		cached = 1;
		for (long j = 0; j < len; j++)
			if (buf[j] != flag[j])
				cached = 0;
	}
	return cached;
}

void chk_deviation(const char *name, int manual_ok, int qemu_ok)
{
	int ok = manual_ok || (qemu_ok && qemu_reference());
	chk_count(ok);
	if (ok)
		tprintf("%s: ok (QEMU deviation, see QEMU_DIFFERENCES.md)\n",
			name);
	else
		tprintf("FAIL %s: manual behaviour not observed%s\n", name,
			qemu_ok ? " (QEMU's behaviour was)" : "");
}

void chk_imm(const char *name, u64 want) { chk_eq(name, chk_got, want); }
void chk_mem(const char *name) { chk_eq(name, chk_got, chk_want); }
void chk_imm_quiet(const char *name, u64 want)
{
	chk_eq_quiet(name, chk_got, want);
}
void chk_mem_quiet(const char *name) { chk_eq_quiet(name, chk_got, chk_want); }

void test_finish(void)
{
	if (n_fail) {
		tprintf("FAIL: %u of %u checks failed\n", n_fail,
			n_pass + n_fail);
		uhi_exit(1);
	}
	tprintf("%u checks passed\n", n_pass);
	uhi_exit(0);
}
