/* tool.h - "lgsim trace ...": the commands that read traces. */
#ifndef LGSIM_TRACE_TOOL_H
#define LGSIM_TRACE_TOOL_H
#include "traces/names.h"
#include "traces/reader.h"

/* argv[0] is "trace"; returns the process exit status (2 for bad input or usage).  names:
 * where code addresses get their names (NULL: none). */
int trace_tool(int argc, char **argv, const struct trace_names_source *names);

/* Each command gets argv[0] = its own name. */
int trace_dump(int argc, char **argv);
int trace_stats(int argc, char **argv);
int trace_diff(int argc, char **argv);
int trace_explain(int argc, char **argv);
int trace_export(int argc, char **argv);

/* Shared by the commands: open a trace or print why not (returns -1). */
int tool_open(struct trace_reader *r, const char *path);
/* The names for the trace r just opened from path (none without a source; --symbols=ELF
 * if given): 0, or -1 after printing why the file given cannot serve. */
int tool_names(struct trace_namer *n, const struct trace_reader *r, const char *path);
void tool_names_close(struct trace_namer *n);
/* After the last trace_read(): 0 at a clean end, else print r->err and return -1. */
int tool_read_end(struct trace_reader *r, int rc);
#endif
