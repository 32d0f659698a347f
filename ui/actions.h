/* actions.h - everything a key, a click or a script line can do to the model, by name. */
#ifndef LGSIM_UI_ACTIONS_H
#define LGSIM_UI_ACTIONS_H
#include "ui/model.h"

enum ui_action {
    ACT_NONE, ACT_STEP, ACT_BACK, ACT_STEP_100, ACT_BACK_100, ACT_FIRST, ACT_LAST,
    ACT_NEXT_SWITCH, ACT_PREV_SWITCH, ACT_NEXT_RT, ACT_PREV_RT, ACT_NEXT_REFLECTED,
    ACT_PREV_REFLECTED, ACT_NEXT_HCALL, ACT_PREV_HCALL, ACT_NEXT_IRQ, ACT_PREV_IRQ,
    ACT_STORY_NEXT, ACT_STORY_PREV, ACT_ZOOM_IN, ACT_ZOOM_OUT, ACT_ZOOM_ALL, ACT_ZOOM_UNIT,
    ACT_PAN_LEFT, ACT_PAN_RIGHT, ACT_AXIS, ACT_ADDRESS, ACT_FOLLOW_CR2, ACT_GOTO, ACT_HELP,
    ACT_QUIT, ACT_BIGGER, ACT_SMALLER,
    /* live (lgsim --ui): the model only asks (m->request); ui/live.c drives the machine */
    ACT_RUN, ACT_PAUSE, ACT_INSN, ACT_TO_SWITCH, ACT_TO_PF, ACT_TO_HCALL, ACT_TO_RT_END,
    ACT_INSN_BACK, ACT_BACK_SWITCH, ACT_BACK_PF, ACT_BACK_HCALL,
    ACT_FASTER, ACT_SLOWER, ACT_FRAMES, ACT_CONSOLE, ACT_ACTIONS
};
/* The live actions: what a key asks of the machine. */
#define ACT_IS_LIVE(a) ((a) >= ACT_RUN && (a) <= ACT_FRAMES)

enum { MOD_SHIFT = 1, MOD_CTRL = 2 };

/* "step", "next-round-trip", ...; -1 when unknown. */
int action_from_name(const char *name);
const char *action_name(enum ui_action a);
/* Do it (ACT_BIGGER/SMALLER are the window's: nothing here).  1: done, 0: nothing to do
 * (m->status says why). */
int model_action(struct ui_model *m, enum ui_action a);

/*
 * A key: a typed character ("n", "N", "?", "+": from text input, so any keyboard layout
 * works) or a key by SDL's name ("Right", "PageDown", "Return", "Escape", "F1"), with
 * Shift/Ctrl.  Prompts and the help overlay take keys first.  Returns the action done, or
 * ACT_NONE.
 */
enum ui_action ui_key(struct ui_model *m, const char *key, unsigned mods);
/* The help overlay: every binding, from the same table ui_key uses. */
void help_text(struct ui_text *t);
/* Go to round trip id's first record, the timeline showing it whole: 0 when there is none. */
int model_go_round_trip(struct ui_model *m, uint32_t id);
/* A click: go to record rec (the timeline picked it). */
void model_click_record(struct ui_model *m, uint64_t rec);
#endif
