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

void chk_imm(const char *name, u64 want) { chk_eq(name, chk_got, want); }
void chk_mem(const char *name) { chk_eq(name, chk_got, chk_want); }

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
