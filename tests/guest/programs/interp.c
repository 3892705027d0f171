/*
 * Compiled-code workload 2 (-O2): a small stack-machine bytecode
 * interpreter (switch dispatch through a jump table) running Fibonacci,
 * a prime count by trial division, the longest Collatz chain and a GCD
 * sum; plus deep recursion (Ackermann) and FNV-1a hashing of text.
 * Expected values were computed by running the same code on another
 * machine (and are well-known where noted).
 */
#include "check.h"

enum {
	PUSH, LOAD, STORE, ADD, SUB, MUL, DIV, MOD, LT, EQ, JZ, JMP, DUP,
	DROP, SWAP, HALT
};

static u64 vm_steps;

static s64 run(const s64 *code, s64 *vars)
{
	s64 stack[64];
	int sp = 0;
	for (long pc = 0;; vm_steps++) {
		s64 op = code[pc++], x, y;
		switch (op) {
		case PUSH: stack[sp++] = code[pc++]; break;
		case LOAD: stack[sp++] = vars[code[pc++]]; break;
		case STORE: vars[code[pc++]] = stack[--sp]; break;
		case ADD: y = stack[--sp]; x = stack[--sp]; stack[sp++] = x + y; break;
		case SUB: y = stack[--sp]; x = stack[--sp]; stack[sp++] = x - y; break;
		case MUL: y = stack[--sp]; x = stack[--sp]; stack[sp++] = x * y; break;
		case DIV: y = stack[--sp]; x = stack[--sp]; stack[sp++] = x / y; break;
		case MOD: y = stack[--sp]; x = stack[--sp]; stack[sp++] = x % y; break;
		case LT: y = stack[--sp]; x = stack[--sp]; stack[sp++] = x < y; break;
		case EQ: y = stack[--sp]; x = stack[--sp]; stack[sp++] = x == y; break;
		case JZ: x = stack[--sp]; pc = x ? pc + 1 : code[pc]; break;
		case JMP: pc = code[pc]; break;
		case DUP: x = stack[sp - 1]; stack[sp++] = x; break;
		case DROP: sp--; break;
		case SWAP: x = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = x; break;
		case HALT: return sp ? stack[sp - 1] : 0;
		default: return -1;
		}
	}
}

/* A tiny assembler with forward labels. */
static s64 code[256];
static int ncode, label_at[16], nfix;
static struct { int at, label; } fixes[32];
static void op(s64 o) { code[ncode++] = o; }
static void op1(s64 o, s64 arg) { op(o); op(arg); }
static void jump(s64 o, int label)
{
	op(o);
	fixes[nfix].at = ncode;
	fixes[nfix++].label = label;
	op(0);
}
static void label(int l) { label_at[l] = ncode; }
static void begin(void) { ncode = nfix = 0; }
static void link(void)
{
	for (int i = 0; i < nfix; i++)
		code[fixes[i].at] = label_at[fixes[i].label];
}
static void incr(int var) { op1(LOAD, var); op1(PUSH, 1); op(ADD); op1(STORE, var); }

enum { A, B, I, N, C, D, X, S, BEST, BESTS };

static s64 fib(s64 n)
{
	s64 v[16] = {[A] = 0, [B] = 1, [I] = 0, [N] = n};
	begin();
	label(0);
	op1(LOAD, I); op1(LOAD, N); op(LT); jump(JZ, 1);
	op1(LOAD, B); op(DUP); op1(LOAD, A); op(ADD); op1(STORE, B); op1(STORE, A);
	incr(I); jump(JMP, 0);
	label(1);
	op1(LOAD, A); op(HALT);
	link();
	return run(code, v);
}

static s64 primes_below(s64 n)
{
	s64 v[16] = {[C] = 0, [X] = 2, [N] = n};
	begin();
	label(0); /* outer */
	op1(LOAD, X); op1(LOAD, N); op(LT); jump(JZ, 4);
	op1(PUSH, 2); op1(STORE, D);
	label(1); /* inner: x < d*d means prime */
	op1(LOAD, X); op1(LOAD, D); op(DUP); op(MUL); op(LT); jump(JZ, 2);
	incr(C); jump(JMP, 3);
	label(2); /* d divides x? */
	op1(LOAD, X); op1(LOAD, D); op(MOD); jump(JZ, 3);
	incr(D); jump(JMP, 1);
	label(3); /* next x */
	incr(X); jump(JMP, 0);
	label(4);
	op1(LOAD, C); op(HALT);
	link();
	return run(code, v);
}

/* start below n with the longest chain: start * 1000000 + steps */
static s64 collatz(s64 n)
{
	s64 v[16] = {[BEST] = 0, [BESTS] = 0, [S] = 1, [N] = n};
	begin();
	label(0);
	op1(LOAD, S); op1(LOAD, N); op(LT); jump(JZ, 5);
	op1(LOAD, S); op1(STORE, X); op1(PUSH, 0); op1(STORE, C);
	label(1);
	op1(LOAD, X); op1(PUSH, 1); op(EQ); jump(JZ, 2);
	op1(LOAD, BEST); op1(LOAD, C); op(LT); jump(JZ, 6);
	op1(LOAD, C); op1(STORE, BEST); op1(LOAD, S); op1(STORE, BESTS);
	label(6);
	incr(S); jump(JMP, 0);
	label(2);
	op1(LOAD, X); op1(PUSH, 2); op(MOD); jump(JZ, 3);
	op1(LOAD, X); op1(PUSH, 3); op(MUL); op1(PUSH, 1); op(ADD); op1(STORE, X);
	jump(JMP, 4);
	label(3);
	op1(LOAD, X); op1(PUSH, 2); op(DIV); op1(STORE, X);
	label(4);
	incr(C); jump(JMP, 1);
	label(5);
	op1(LOAD, BESTS); op1(PUSH, 1000000); op(MUL); op1(LOAD, BEST); op(ADD);
	op(HALT);
	link();
	return run(code, v);
}

/* sum of gcd(i, m) for 1 <= i < n (Euclid with MOD) */
static s64 gcd_sum(s64 n, s64 m)
{
	s64 v[16] = {[S] = 0, [I] = 1, [N] = n, [C] = m};
	begin();
	label(0);
	op1(LOAD, I); op1(LOAD, N); op(LT); jump(JZ, 3);
	op1(LOAD, I); op1(STORE, A); op1(LOAD, C); op1(STORE, B);
	label(1);
	op1(LOAD, B); op1(PUSH, 0); op(EQ); jump(JZ, 2);
	op1(LOAD, S); op1(LOAD, A); op(ADD); op1(STORE, S);
	incr(I); jump(JMP, 0);
	label(2); /* a, b = b, a % b */
	op1(LOAD, A); op1(LOAD, B); op(MOD); op1(LOAD, B); op1(STORE, A);
	op1(STORE, B); jump(JMP, 1);
	label(3);
	op1(LOAD, S); op(HALT);
	link();
	return run(code, v);
}

static u64 ackermann(u64 m, u64 n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ackermann(m - 1, 1);
	return ackermann(m - 1, ackermann(m, n - 1));
}

static u64 fnv1a(const char *s)
{
	u64 h = 0xcbf29ce484222325ul;
	while (*s)
		h = (h ^ (u8)*s++) * 0x100000001b3ul;
	return h;
}

static const char text[] =
	"The MIPS64 architecture provides a 64-bit instruction set with "
	"32-bit compatibility; branch delay slots, HI/LO registers and "
	"software-managed TLBs are among its distinguishing features.";

void test_main(void)
{
	CHECK_EQ("vm fib(90)", fib(90), 2880067194370816120ul); /* F(90) */
	CHECK_EQ("vm primes below 5000", primes_below(5000), 669);
	CHECK_EQ("vm collatz longest below 3000 (start*1e6+steps)",
		 collatz(3000), 2919000216ul);
	CHECK_EQ("vm sum of gcd(i, 360), i < 2000", gcd_sum(2000, 360), 20816);
	CHECK_EQ("vm steps", vm_steps, 4819370);
	CHECK_EQ("ackermann(2, 100)", ackermann(2, 100), 203);
	CHECK_EQ("ackermann(3, 5)", ackermann(3, 5), 253);
	CHECK_EQ("fnv1a(text)", fnv1a(text), 0x450bdb38f647b553ul);
}
