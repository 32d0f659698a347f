/* format.h - lgsim's binary trace: what a record says, and how it sits in the file. */
#ifndef LGSIM_TRACE_FORMAT_H
#define LGSIM_TRACE_FORMAT_H
#include <stddef.h>
#include <stdint.h>

/*
 * A trace file, all integers little-endian:
 *
 *   header   "LGSIMTRC", u16 version, u16 0, u32 payload length, payload, u32 crc32(payload)
 *            payload: str lgsim version, str options, u32 inputs, then per input:
 *            str role ("kernel", "initrd", "block"), str name (no directories), u64 size,
 *            u64 hash (FNV-1a 64 of the contents).  str = u16 length + bytes.
 *   chunks   "LGCK", u32 records, u32 raw length, u32 compressed length, u64 index of the
 *            first record, u64 virtual time before the first record, u32 crc32(compressed),
 *            u32 crc32(the 32 bytes before it); then the zlib stream of the raw records.
 *   end      "LGEN", u64 records in the file, u64 virtual time of the last, u32 crc32(the 20
 *            bytes before it).  A file without it was cut short.
 *
 * A raw record: u8 kind (bit 7: a round-trip id follows), zigzag varint time delta, [zigzag
 * varint round-trip id delta], one zigzag varint per field of the kind (the delta from the
 * same field of the previous record of that kind), then for text kinds a varint length and
 * the bytes.  Deltas start from zero in every chunk, so each chunk decodes on its own.  The
 * deltas make a run of similar world switches mostly zero bytes, which zlib then squeezes.
 */
#define TRACE_MAGIC        "LGSIMTRC"
#define TRACE_VERSION      1
#define TRACE_CHUNK_MAGIC  "LGCK"
#define TRACE_END_MAGIC    "LGEN"
#define TRACE_CHUNK_HDR    36
#define TRACE_END_LEN      24
#define TRACE_CHUNK_RAW    (256 * 1024)     /* a writer flushes a chunk at this size */
#define TRACE_CHUNK_MAX    (1024 * 1024)    /* a reader refuses bigger raw chunks */
#define TRACE_STR_MAX      1024             /* header strings */
#define TRACE_TEXT_MAX     320              /* console and death text in one record */
#define TRACE_FIELDS       10
#define TRACE_INPUTS_MAX   4

enum trace_kind {
    TK_NONE,
    TK_TO_GUEST,     /* host -> guest through the Switcher */
    TK_TO_HOST,      /* guest -> host: a trap, fault or interrupt took the Guest out */
    TK_HCALL,        /* a hypercall, trapping or from the async ring */
    TK_REFLECT,      /* a trap the Host bounced into the Guest's own handler */
    TK_IRQ,          /* a Guest interrupt raised, held back or delivered */
    TK_PF,           /* the Host's decision on a page fault */
    TK_SPTE,         /* a shadow PTE written */
    TK_FLUSH,        /* shadow entries dropped, or a new page table */
    TK_LAUNCHER,     /* the launcher emulated an instruction (port I/O, MMIO) or re-injected */
    TK_CONSOLE,      /* Guest console output */
    TK_DEATH,        /* the Guest stopped: exit status and reason */
    TK_HALT,         /* the Guest idled until its next timer */
    TK_RETRY,        /* the faulting instruction of a round trip runs again */
    TK_RT_END,       /* a page-fault round trip ended */
    TK_CONSOLE_IN,   /* bytes from stdin put into the Guest's console input buffer */
    TK_NET_IN,       /* a network frame from outside put into the Guest's rx buffer */
    TK_RESTART,      /* LHCALL_SHUTDOWN asked for a restart: the Guest starts again from boot */
    TK_KINDS
};

/* Field values with names (the tools print the names; see format.c). */
enum { HC_DONE, HC_KILLED, HC_POSTPONED };                               /* TK_HCALL outcome */
enum { IRQ_RAISED, IRQ_MASKED, IRQ_DEFERRED, IRQ_DELIVERED, IRQ_WOKE };  /* TK_IRQ action */
enum { PF_FIXED, PF_REFLECTED, PF_DEVICE, PF_KILLED };                   /* TK_PF outcome */
enum { SPTE_DEMAND, SPTE_SET_PTE };                                      /* TK_SPTE cause */
enum { FLUSH_USER, FLUSH_ALL, FLUSH_NEW_PGTABLE, FLUSH_SET_PGD };        /* TK_FLUSH what */
/* TK_LAUNCHER what.  LN_MMIO: an access that reached no device.  The device ones name the device
 * by its IRQ line in addr (console 1, then 2, 3... in command-line order):
 *   mmio_read/mmio_write  addr = guest-physical address, size = bytes, value
 *   notify      size = queue, value = 1 if the queue's service ran
 *   used        size = chain head, value = bytes written into it
 *   device_irq  size = queue, value = 1 (ISR set, IRQ raised)
 *   block       addr = sector (low 32 bits), size = bytes read, value = type << 8 | status
 *   input_eof   stdin ended
 *   net_tx      size = bytes of the frame (virtio header included) handed to the backend */
enum { LN_PORT_IN, LN_PORT_OUT, LN_CLI, LN_MMIO, LN_REINJECT, LN_FAILED, LN_MMIO_READ,
       LN_MMIO_WRITE, LN_NOTIFY, LN_USED, LN_DEVICE_IRQ, LN_BLOCK, LN_INPUT_EOF, LN_NET_TX };
/* TK_RT_END outcome: retried; resumed elsewhere; the Guest stopped before either was seen */
enum { RT_OK, RT_ABANDONED, RT_UNFINISHED };

/* One decoded record.  Fields are named per kind by trace_field_name(). */
struct trace_rec {
    uint64_t index;              /* 0-based position in the file */
    uint64_t t;                  /* virtual time, ns */
    uint32_t rt;                 /* page-fault round trip id; 0: not part of one */
    uint8_t kind;
    uint8_t nfields;
    uint32_t f[TRACE_FIELDS];
    uint32_t text_len;
    char text[TRACE_TEXT_MAX + 1];   /* NUL-terminated; may hold NULs before text_len */
};

/* Field indexes, so code reads r->f[F_EIP] instead of r->f[2]. */
enum { TG_EIP, TG_CS, TG_CPL, TG_PGDIR, TG_SHADOW, TG_SWITCHER_NS };
enum { TH_VECTOR, TH_ERR, TH_EIP, TH_CS, TH_CPL, TH_PGDIR, TH_SHADOW, TH_SWITCHER_NS, TH_CR2,
       TH_ESP };
enum { HC_NR, HC_ARG1, HC_ARG2, HC_ARG3, HC_ARG4, HC_ASYNC, HC_OUTCOME };
enum { RF_VECTOR, RF_ERR, RF_EIP, RF_CS, RF_HANDLER, RF_ESP };
enum { IQ_IRQ, IQ_ACTION, IQ_EIP };
enum { PF_CR2, PF_ERR, PF_EIP, PF_OUTCOME };
enum { SP_VADDR, SP_SPTE, SP_SLOT, SP_CAUSE };
enum { FL_WHAT, FL_GPGDIR, FL_SLOT };
enum { LN_WHAT, LN_ADDR, LN_SIZE, LN_VALUE, LN_EIP };
enum { DT_EXIT_CODE };
enum { RS_BOOT };   /* TK_RESTART: which boot begins (2 for the first restart); text: why */
enum { HL_IDLE_NS };
enum { RY_EIP };
enum { RE_OUTCOME, RE_STEPS, RE_DURATION_NS, RE_EIP, RE_CR2 };
/* TK_NET_IN: a frame longer than a record's text comes in pieces, each saying where it goes. */
enum { NI_IRQ, NI_OFFSET, NI_LEN };

struct trace_input {
    char role[16];
    char name[128];
    uint64_t size, hash;
};

struct trace_header {
    uint16_t version;
    char lgsim_version[64];
    char options[TRACE_STR_MAX + 1];
    unsigned n_inputs;
    struct trace_input inputs[TRACE_INPUTS_MAX];
};

/* The schema: a kind's name and fields, by number. */
const char *trace_kind_name(unsigned kind);
int trace_kind_from_name(const char *name);          /* -1 when unknown */
unsigned trace_kind_fields(unsigned kind);
int trace_kind_has_text(unsigned kind);
const char *trace_field_name(unsigned kind, unsigned field);
int trace_field_from_name(unsigned kind, const char *name);   /* -1 when the kind lacks it */
/* Names of enumerated values (hypercall outcome, IRQ action, ...), or NULL. */
const char *trace_value_name(unsigned kind, unsigned field, uint32_t v);
/* Linux 4.4's hypercall names, "FLUSH_ASYNC" ... ; NULL for an unknown number. */
const char *trace_hcall_name(uint32_t nr);
int trace_hcall_from_name(const char *name);         /* accepts "SET_PTE" or "LHCALL_SET_PTE" */
/* "#PF", "#GP", "hypercall", "timer", ... for a trap number; NULL when it has no name. */
const char *trace_vector_name(uint32_t vector);

/* One human-readable line (no newline): "t=1.234567ms to_host vec=0e #PF ...". */
int trace_format(const struct trace_rec *r, char *buf, size_t len);
/* One field's value as that line shows it: "0x8048225", "fixed", "14(SET_PTE)", "83". */
void trace_format_field(unsigned kind, unsigned field, uint32_t v, char *buf, size_t len);
/* The same header line a dump starts with, and what two headers disagree on (NULL: nothing). */
void trace_format_header(const struct trace_header *h, char *buf, size_t len);
const char *trace_header_differs(const struct trace_header *a, const struct trace_header *b,
                                 char *buf, size_t len);

/* FNV-1a, 64 bits: the input hashes in the header. */
uint64_t trace_hash(const void *data, size_t len);
/* The same hash fed piece by piece: h = TRACE_HASH_START, then trace_hash_more for each. */
#define TRACE_HASH_START 0xcbf29ce484222325ull
uint64_t trace_hash_more(uint64_t h, const void *data, size_t len);
#endif
