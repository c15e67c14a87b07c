// SPDX-License-Identifier: GPL-2.0
/*
 * replay: the matrix's own, independent replay of a machine file written by ko5204's snapshot.
 * It reads the header, the table blocks and the expect lines (docs/machine-format.md; `map` and
 * `entry` lines are not used by snapshots and are refused), walks every expect VA through the
 * tables and compares.  `vmsim check` does the same with the simulator's walker; this one exists
 * so that the matrix still checks every snapshot where vmsim is not built, and so that the two
 * walkers check each other.
 *
 *   replay FILE   prints "SOURCE COMPARED AGREE" lines, any disagreement, and
 *                 "leaves SIZE..." (the page sizes the walks ended in);
 *                 exit 0 all agree, 1 a disagreement, 2 bad input
 *
 * Walk (Intel SDM Vol. 3A, 4.3-4.5): one descriptor per mode, one loop.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P (1ULL << 0)
#define PS (1ULL << 7)

struct mode {
	const char *name;
	int levels;
	int entry_size;
	int bits[5];		/* index bits per level, top first */
	int leaf_from_bottom;	/* PS is honoured at this many levels above the PT */
};

static const struct mode modes[] = {
	{ "2level", 2, 4, { 10, 10 }, 1 },
	{ "pae", 3, 8, { 2, 9, 9 }, 1 },
	{ "4level", 4, 8, { 9, 9, 9, 9 }, 2 },
	{ "5level", 5, 8, { 9, 9, 9, 9, 9 }, 2 },
};

struct cell {
	uint64_t pa;
	uint64_t val;
};

static struct cell *mem;
static size_t nmem, capmem;
static const struct mode *mode;
static uint64_t cr3;
static int maxphy = 0;
static bool pse = true;

struct expect {
	uint64_t va, pa;
	bool fault;
	char source[32];
	int line;
};

static struct expect *exp_;
static size_t nexp, capexp;

static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

static uint64_t load(uint64_t pa)
{
	struct cell key = { pa, 0 }, *c = bsearch(&key, mem, nmem, sizeof(*mem), cmp_cell);

	return c ? c->val : 0;
}

static uint64_t bitsmask(int lo, int hi) /* bits lo..hi-1 */
{
	return (hi >= 64 ? ~0ULL : (1ULL << hi) - 1) & ~((1ULL << lo) - 1);
}

/* Translate va; false for a fault.  *size is the page size, from the level of the leaf. */
static bool walk(uint64_t va, uint64_t *pa, uint64_t *size)
{
	int shift = 12, l;
	uint64_t table = cr3, e = 0;

	for (l = 0; l < mode->levels; l++)
		shift += mode->bits[l];
	for (l = 0; l < mode->levels; l++) {
		int from_bottom = mode->levels - 1 - l;
		uint64_t index;

		shift -= mode->bits[l];
		index = (va >> shift) & ((1ULL << mode->bits[l]) - 1);
		e = load(table + index * mode->entry_size);
		if (!(e & P))
			return false;
		if (from_bottom == 0 || (from_bottom <= mode->leaf_from_bottom && (e & PS) &&
					 (mode->entry_size == 8 || pse))) {
			uint64_t frame;

			if (from_bottom == 0)
				frame = e & bitsmask(12, mode->entry_size == 4 ? 32 : maxphy);
			else if (mode->entry_size == 4) /* 4 MiB: PA 31:22, PSE-36 bits 13.. = PA 32.. */
				frame = (e & bitsmask(22, 32)) | ((e & bitsmask(13, 21)) << 19);
			else
				frame = e & bitsmask(shift, maxphy);
			*pa = frame | (va & ((1ULL << shift) - 1));
			*size = 1ULL << shift;
			return true;
		}
		table = e & bitsmask(12, mode->entry_size == 4 ? 32 : maxphy);
	}
	return false;
}

static int fail_input(const char *file, int line, const char *why)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, why);
	return 2;
}

int main(int argc, char **argv)
{
	char buf[512], word[64], src[64];
	uint64_t table = 0, a, b;
	bool in_table = false, header = false;
	FILE *f;
	int line = 0, i;
	size_t k;

	if (argc != 2) {
		fprintf(stderr, "usage: replay FILE\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f)
		return perror(argv[1]), 2;
	while (fgets(buf, sizeof(buf), f)) {
		char *hash = strchr(buf, '#');

		line++;
		if (hash)
			*hash = '\0';
		if (sscanf(buf, "%63s", word) != 1)
			continue;
		if (!header) {
			if (strcmp(word, "vmtour-machine") || sscanf(buf, "%*s %" SCNu64, &a) != 1 ||
			    a != 1)
				return fail_input(argv[1], line, "not a vmtour-machine 1 file");
			header = true;
		} else if (!strcmp(word, "mode")) {
			if (sscanf(buf, "%*s %63s", word) != 1)
				return fail_input(argv[1], line, "mode needs a name");
			for (i = 0; i < 4; i++)
				if (!strcmp(word, modes[i].name))
					mode = &modes[i];
			if (!mode)
				return fail_input(argv[1], line, "unknown mode");
			if (!maxphy)
				maxphy = mode->entry_size == 4 ? 40 : 52;
		} else if (!strcmp(word, "cr3")) {
			if (sscanf(buf, "%*s %" SCNx64, &cr3) != 1)
				return fail_input(argv[1], line, "bad cr3");
		} else if (!strcmp(word, "maxphyaddr")) {
			if (sscanf(buf, "%*s %d", &maxphy) != 1 || maxphy < 32 || maxphy > 52)
				return fail_input(argv[1], line, "bad maxphyaddr");
		} else if (!strcmp(word, "cr4.pse")) {
			if (sscanf(buf, "%*s %" SCNu64, &a) != 1)
				return fail_input(argv[1], line, "bad cr4.pse");
			pse = a;
		} else if (!strncmp(word, "cr0.", 4) || !strncmp(word, "cr4.", 4) ||
			   !strncmp(word, "efer.", 5) || !strncmp(word, "rflags.", 7)) {
			/* permissions: not needed to compare translations */
		} else if (!strcmp(word, "table")) {
			if (!mode || sscanf(buf, "%*s %" SCNx64, &table) != 1)
				return fail_input(argv[1], line, "bad table line (or no mode yet)");
			in_table = true;
		} else if (!strcmp(word, "expect")) {
			struct expect *x;

			in_table = false;
			if (nexp == capexp) {
				capexp = capexp ? 2 * capexp : 1024;
				exp_ = realloc(exp_, capexp * sizeof(*exp_));
				if (!exp_)
					return 2;
			}
			x = &exp_[nexp++];
			memset(x, 0, sizeof(*x));
			x->line = line;
			strcpy(x->source, "unnamed");
			if (sscanf(buf, "%*s %" SCNx64 " %63s %31s", &x->va, word, src) < 2)
				return fail_input(argv[1], line, "bad expect line");
			if (sscanf(buf, "%*s %*s %*s %31s", x->source) < 1)
				strcpy(x->source, "unnamed");
			if (!strcmp(word, "fault"))
				x->fault = true;
			else if (sscanf(word, "%" SCNx64, &x->pa) != 1)
				return fail_input(argv[1], line, "bad expect PA");
		} else if (in_table && sscanf(buf, "%" SCNu64 " %" SCNx64, &a, &b) == 2) {
			uint64_t limit = mode->entry_size == 4 ? 1024 : 512;

			if (a >= limit || (mode->entry_size == 4 && b >> 32))
				return fail_input(argv[1], line, "entry index or value out of range");
			if (nmem == capmem) {
				capmem = capmem ? 2 * capmem : 1024;
				mem = realloc(mem, capmem * sizeof(*mem));
				if (!mem)
					return 2;
			}
			mem[nmem].pa = table + a * mode->entry_size;
			mem[nmem++].val = b;
		} else {
			return fail_input(argv[1], line, "line not understood by replay");
		}
	}
	fclose(f);
	if (!mode || !cr3 || !nexp)
		return fail_input(argv[1], line, "no mode, no cr3 or no expect line");
	qsort(mem, nmem, sizeof(*mem), cmp_cell);
	for (k = 1; k < nmem; k++)
		if (mem[k].pa == mem[k - 1].pa && mem[k].val != mem[k - 1].val)
			return fail_input(argv[1], 0, "an entry is written twice with two values");

	/* per source: compared, agree */
	struct {
		char name[32];
		unsigned long compared, agree;
	} src_count[16];
	int nsrc = 0, bad = 0;
	bool seen[64] = { false };

	for (k = 0; k < nexp; k++) {
		struct expect *x = &exp_[k];
		uint64_t pa = 0, size = 0;
		bool ok = walk(x->va, &pa, &size);
		bool same = x->fault ? !ok : ok && pa == x->pa;

		for (i = 0; i < nsrc && strcmp(src_count[i].name, x->source); i++)
			;
		if (i == nsrc) {
			if (nsrc == 16)
				return fail_input(argv[1], x->line, "too many sources");
			strcpy(src_count[nsrc].name, x->source);
			src_count[nsrc].compared = src_count[nsrc].agree = 0;
			nsrc++;
		}
		if (ok)
			seen[__builtin_ctzll(size)] = true;
		src_count[i].compared++;
		src_count[i].agree += same;
		if (!same && bad++ < 20) {
			if (ok)
				printf("DISAGREE %s:%d: %s says 0x%" PRIx64 " -> %s0x%" PRIx64 ", the tables give 0x%" PRIx64 "\n",
				       argv[1], x->line, x->source, x->va, x->fault ? "fault, not " : "",
				       x->fault ? pa : x->pa, pa);
			else
				printf("DISAGREE %s:%d: %s says 0x%" PRIx64 " -> 0x%" PRIx64 ", the tables fault\n",
				       argv[1], x->line, x->source, x->va, x->pa);
		}
	}
	for (i = 0; i < nsrc; i++)
		printf("%s %lu %lu\n", src_count[i].name, src_count[i].compared, src_count[i].agree);
	printf("leaves");
	for (i = 12; i < 64; i++)
		if (seen[i])
			printf(" %s", i == 12 ? "4K" : i == 21 ? "2M" : i == 22 ? "4M" : i == 30 ? "1G" : "?");
	printf("\n");
	return bad ? 1 : 0;
}
