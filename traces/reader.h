/* reader.h - reading a binary trace one record at a time, in constant memory. */
#ifndef LGSIM_TRACE_READER_H
#define LGSIM_TRACE_READER_H
#include <stdio.h>
#include "traces/codec.h"

/*
 * Everything in a trace file is checked before it is believed: a truncated, corrupted or
 * foreign file ends the read with an error naming the byte offset and the record number,
 * never a crash, a hang or an allocation sized by the file.
 */
struct trace_reader {
    FILE *f;                         /* the file, or NULL when reading from memory */
    const uint8_t *mem;
    size_t mem_len, mem_pos;
    char name[256];                  /* for messages */
    struct trace_header h;

    uint64_t offset;                 /* file offset of the next unread byte */
    uint64_t chunk_offset;           /* where the current chunk began */
    uint8_t *raw, *packed;
    uint32_t raw_len, pos;
    uint32_t chunk_recs, chunk_done;
    uint64_t next_index, last_t;
    struct trace_codec codec;
    int state;                       /* 0 reading, 1 at the end marker, -1 failed */
    char err[640];
};

/* 0 with the header in r->h, or -1 with the reason in err. */
int trace_reader_open(struct trace_reader *r, const char *path, char *err, size_t errlen);
int trace_reader_open_mem(struct trace_reader *r, const void *data, size_t len,
                          char *err, size_t errlen);
/* 1: a record in *out; 0: the end of the trace; -1: the file is bad (r->err says where). */
int trace_read(struct trace_reader *r, struct trace_rec *out);
void trace_reader_close(struct trace_reader *r);
#endif
