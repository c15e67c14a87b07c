/* The walker lab, C starter kit (lessons/lab-walker/README.md).
 *
 *     ./walker MACHINE_FILE  <  lines "VA [r|w|x] [user|supervisor]"
 *
 * prints one line per input line: "0x<physical address>", "pf 0x<error code>" or "gp".
 *
 * Given: reading the machine file (mode, CR3, control bits, MAXPHYADDR and every table entry) and
 * the input/output loop. Yours: walk() and what it needs, marked TODO. Until you write it, every
 * answer is "0x0" and `vmsim grade` scores 0.
 *
 * Read in the Intel SDM, Volume 3A, chapter 4 ("Paging"):
 *   4.3  32-bit paging (figures 4-2 and 4-3, tables 4-4 to 4-6)
 *   4.4  PAE paging (4.4.1 the PDPTEs and CR3, tables 4-8 to 4-11)
 *   4.5  4-level and 5-level paging (tables 4-14 to 4-20)
 *   4.6  access rights (4.6.1 SMEP and SMAP)
 *   4.7  page-fault exceptions (figure 4-12, the error code)
 * and Volume 1, 3.3.7.1 (canonical addresses).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The machine (given) ------------------------------------------------------------------- */

enum mode { MODE_2LEVEL, MODE_PAE, MODE_4LEVEL, MODE_5LEVEL };

struct machine {
    enum mode mode;
    uint64_t cr3;
    bool cr0_wp, cr4_pse, cr4_smep, cr4_smap, efer_nxe, rflags_ac;
    unsigned maxphyaddr;
    /* Physical memory holding the tables: entry address -> value (open addressing). */
    uint64_t *keys, *values;
    size_t cap, used;
};

static unsigned entry_size(const struct machine *m) { return m->mode == MODE_2LEVEL ? 4 : 8; }

#define EMPTY UINT64_MAX /* no entry lives at this address: entries are aligned */

static size_t slot(uint64_t pa, size_t cap) { return (size_t)((pa >> 2) * 0x9e3779b97f4a7c15ULL) & (cap - 1); }

static void put(uint64_t *keys, uint64_t *values, size_t cap, uint64_t pa, uint64_t value) {
    size_t i = slot(pa, cap);
    while (keys[i] != EMPTY && keys[i] != pa) i = (i + 1) & (cap - 1);
    keys[i] = pa;
    values[i] = value;
}

/* The slot holding pa, or EMPTY. */
static uint64_t read_entry_slot(const struct machine *m, uint64_t pa) {
    for (size_t i = slot(pa, m->cap); m->keys[i] != EMPTY; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == pa) return i;
    return EMPTY;
}

static void store(struct machine *m, uint64_t pa, uint64_t value) {
    if (2 * (m->used + 1) > m->cap) {  /* grow: keep the table at most half full */
        size_t cap = m->cap ? 2 * m->cap : 1024;
        uint64_t *keys = malloc(cap * sizeof *keys), *values = malloc(cap * sizeof *values);
        if (!keys || !values) { fprintf(stderr, "walker: out of memory\n"); exit(2); }
        memset(keys, 0xff, cap * sizeof *keys);
        for (size_t i = 0; i < m->cap; ++i)
            if (m->keys[i] != EMPTY) put(keys, values, cap, m->keys[i], m->values[i]);
        free(m->keys);
        free(m->values);
        m->keys = keys;
        m->values = values;
        m->cap = cap;
    }
    if (read_entry_slot(m, pa) == EMPTY) m->used++;
    put(m->keys, m->values, m->cap, pa, value);
}

/* The entry at physical address pa (4 or 8 bytes, the mode's size); memory nobody wrote reads 0. */
static uint64_t read_entry(const struct machine *m, uint64_t pa) {
    if (!m->cap) return 0;
    for (size_t i = slot(pa, m->cap); m->keys[i] != EMPTY; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == pa) return m->values[i];
    return 0;
}

static void die(const char *file, int line, const char *why) {
    fprintf(stderr, "%s:%d: %s\n", file, line, why);
    exit(2);
}

static void load_machine(struct machine *m, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    char line[512], w0[64], w1[64], w2[64];
    uint64_t table = 0;
    bool have_table = false;
    int n = 0;
    *m = (struct machine){.cr0_wp = true, .cr4_pse = true, .efer_nxe = true};
    while (fgets(line, sizeof line, f)) {
        ++n;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        w0[0] = w1[0] = w2[0] = '\0';
        int words = sscanf(line, "%63s %63s %63s", w0, w1, w2);
        if (words <= 0 || !strcmp(w0, "vmtour-machine") || !strcmp(w0, "expect") || !strcmp(w0, "alloc")) continue;
        uint64_t v1 = strtoull(w1, NULL, 0);
        if (!strcmp(w0, "mode")) {
            if (!strcmp(w1, "2level")) m->mode = MODE_2LEVEL;
            else if (!strcmp(w1, "pae")) m->mode = MODE_PAE;
            else if (!strcmp(w1, "4level")) m->mode = MODE_4LEVEL;
            else if (!strcmp(w1, "5level")) m->mode = MODE_5LEVEL;
            else die(path, n, "unknown mode");
        } else if (!strcmp(w0, "cr3")) m->cr3 = v1;
        else if (!strcmp(w0, "maxphyaddr")) m->maxphyaddr = (unsigned)v1;
        else if (!strcmp(w0, "cr0.wp")) m->cr0_wp = v1;
        else if (!strcmp(w0, "cr4.pse")) m->cr4_pse = v1;
        else if (!strcmp(w0, "cr4.smep")) m->cr4_smep = v1;
        else if (!strcmp(w0, "cr4.smap")) m->cr4_smap = v1;
        else if (!strcmp(w0, "efer.nxe")) m->efer_nxe = v1;
        else if (!strcmp(w0, "rflags.ac")) m->rflags_ac = v1;
        else if (!strcmp(w0, "table")) { table = v1; have_table = true; }
        else if (!strcmp(w0, "entry")) store(m, v1, strtoull(w2, NULL, 0));
        else if (isdigit((unsigned char)w0[0]) && have_table)
            store(m, table + strtoull(w0, NULL, 0) * entry_size(m), v1);
        else die(path, n, "unexpected line (this kit reads what `vmsim dump` writes)");
    }
    fclose(f);
    if (!m->maxphyaddr) m->maxphyaddr = m->mode >= MODE_4LEVEL ? 52 : 40;
}

/* ---- The walk (yours) ---------------------------------------------------------------------- */

enum access { ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH };

/* #PF error-code bits (SDM 4.7, figure 4-12). */
#define PF_P    (1u << 0)
#define PF_WR   (1u << 1)
#define PF_US   (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_ID   (1u << 4)

/* Writes the answer into out: "0x1234", "pf 0x5" or "gp". */
static void walk(const struct machine *m, uint64_t va, enum access access, bool user, char *out, size_t size) {
    /* TODO 1 (Vol. 1 3.3.7.1, Vol. 3A 4.5): in 4- and 5-level paging, a non-canonical address
     *   (bits 63..47, or 63..56, not all equal) is #GP: print "gp", read no table. */

    /* TODO 2 (4.3, 4.4.1, 4.5.2): the first table's address from CR3. Careful: PAE's CR3 holds
     *   the PDPT's address to 32 bytes, not to 4 KB. */

    /* TODO 3 (figures 4-2, 4-5, 4-8, 4-9): for each level, the index bits of the VA, the entry
     *   address (table + index * entry size), the entry (read_entry). Then:
     *   - P=0: #PF, not present (4.7);
     *   - reserved bits set: #PF with P and RSVD (tables 4-4 to 4-20; MAXPHYADDR, bit 63 when
     *     EFER.NXE=0, PS in a PML4E/PML5E, the low frame bits of a large page);
     *   - PS=1 where the level may map a page (a 4 MB PDE only with CR4.PSE=1; 2 MB PDEs; 1 GB
     *     PDPTEs in 4/5-level): the walk ends here with a large page (4.3, 4.4.2, 4.5.4);
     *   - else the entry holds the next table's address. */

    /* TODO 4 (table 4-4): a 4 MB page's frame; PSE-36 puts physical bits 39:32 in PDE bits 20:13. */

    /* TODO 5 (4.6, 4.6.1): the rights: U/S and R/W count at every level (ANDed), XD at any level
     *   refuses fetches (with EFER.NXE=1); SMEP, SMAP (unless EFLAGS.AC), CR0.WP. */

    /* TODO 6 (4.7): the error code: P, W/R, U/S (the access's, not the page's), RSVD, and I/D for
     *   a fetch when EFER.NXE=1 or CR4.SMEP=1. */
    (void)m; (void)va; (void)access; (void)user; (void)read_entry;
    snprintf(out, size, "0x0");  /* TODO: the answer */
}

/* ---- Input and output (given) -------------------------------------------------------------- */

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MACHINE_FILE < lines 'VA [r|w|x] [user|supervisor]'\n", argv[0]);
        return 2;
    }
    struct machine m;
    load_machine(&m, argv[1]);
    char line[256], va_text[64], acc[16], who[16], answer[64];
    while (fgets(line, sizeof line, stdin)) {
        acc[0] = who[0] = '\0';
        if (sscanf(line, "%63s %15s %15s", va_text, acc, who) < 1) continue;
        enum access a = acc[0] == 'w' ? ACCESS_WRITE : acc[0] == 'x' ? ACCESS_FETCH : ACCESS_READ;
        bool user = strcmp(who, "supervisor") != 0;
        walk(&m, strtoull(va_text, NULL, 0), a, user, answer, sizeof answer);
        printf("%s\n", answer);
    }
    return 0;
}
