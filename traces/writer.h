/* writer.h - writing a binary trace: a header, then records in compressed chunks. */
#ifndef LGSIM_TRACE_WRITER_H
#define LGSIM_TRACE_WRITER_H
#include <stdio.h>
#include "traces/codec.h"

struct trace_writer {
    FILE *f;
    const char *path;
    struct trace_codec codec;
    uint8_t *raw, *packed;           /* the chunk being built, and its compressed form */
    size_t raw_len, packed_cap;
    uint32_t chunk_recs;
    uint64_t chunk_first, chunk_base_t;
    uint64_t n_records, last_t, bytes_written;
    int level;                       /* zlib level */
    int failed;                      /* a write failed: say so at close, never lose it quietly */
    int nowhere;                     /* records are numbered and shown, never written */
    char err[256];
};

/* Create path and write the header.  0, or -1 with the reason in err. */
int trace_writer_open(struct trace_writer *w, const char *path, const struct trace_header *h,
                      char *err, size_t errlen);
/* A writer with no file: records are numbered (and shown to the recorder's tap) as in a trace,
 * and go nowhere.  The live window follows a run this way when no --trace was asked for. */
void trace_writer_nowhere(struct trace_writer *w);
/* Append one record (its index is assigned here; r->index is ignored). */
void trace_write(struct trace_writer *w, const struct trace_rec *r);
/* End the current chunk here (a writer normally ends one at TRACE_CHUNK_RAW bytes). */
void trace_writer_flush(struct trace_writer *w);
/* The writer's state (with_file: and the file's bytes so far), for checkpoints and saved
 * machines: a rewind truncates the file back to a state saved earlier in this run; a resume
 * writes a new file at path as the saved run's was, to go on from there. */
size_t trace_writer_state_size(const struct trace_writer *w, int with_file);
int trace_writer_state_save(struct trace_writer *w, uint8_t *out, int with_file);
int trace_writer_state_rewind(struct trace_writer *w, const uint8_t *in, size_t len);
int trace_writer_resume(struct trace_writer *w, const char *path, const uint8_t *in,
                        size_t len, char *err, size_t errlen);
/* Flush, write the end marker, close.  0, or -1 with the first failure in err. */
int trace_writer_close(struct trace_writer *w, char *err, size_t errlen);
#endif
