/* tool.h - "lgsim trace ...": the commands that read traces. */
#ifndef LGSIM_TRACE_TOOL_H
#define LGSIM_TRACE_TOOL_H
#include "traces/reader.h"

/* argv[0] is "trace"; returns the process exit status (2 for bad input or usage). */
int trace_tool(int argc, char **argv);

/* Each command gets argv[0] = its own name. */
int trace_dump(int argc, char **argv);
int trace_stats(int argc, char **argv);
int trace_diff(int argc, char **argv);
int trace_explain(int argc, char **argv);
int trace_export(int argc, char **argv);

/* Shared by the commands: open a trace or print why not (returns -1). */
int tool_open(struct trace_reader *r, const char *path);
/* After the last trace_read(): 0 at a clean end, else print r->err and return -1. */
int tool_read_end(struct trace_reader *r, int rc);
#endif
