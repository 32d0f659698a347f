/* palette.h - the window's colours, by what they mean (the layout dump names them too). */
#ifndef LGSIM_UI_PALETTE_H
#define LGSIM_UI_PALETTE_H
#include <stdint.h>
#include "ui/model.h"

struct ui_rgb { uint8_t r, g, b; };

#define RGB(x) ((struct ui_rgb){ (uint8_t)((x) >> 16), (uint8_t)((x) >> 8), (uint8_t)(x) })
#define COL_WINDOW     RGB(0x0b0e14)
#define COL_PANEL      RGB(0x141922)
#define COL_TITLE      RGB(0x222a3a)
#define COL_TITLE_LIT  RGB(0x8a6a12)   /* the panel changed with the last move */
#define COL_BAR        RGB(0x1b2130)
#define COL_TEXT       RGB(0xd0d7de)
#define COL_DIM        RGB(0x7d8590)
#define COL_HEAD       RGB(0xf0f3f6)
#define COL_HOT        RGB(0xffd866)
#define COL_NOTE       RGB(0x79c0ff)
#define COL_CURSOR_BG  RGB(0x2b3a58)
#define COL_UNLIT      RGB(0x1c2230)   /* a world the CPU is not in */
#define COL_LANE       RGB(0x10141b)
#define COL_EV_HCALL   RGB(0x79c0ff)
#define COL_EV_PF      RGB(0xff6b6b)
#define COL_EV_TRAP    RGB(0xff9e64)
#define COL_EV_IRQ     RGB(0xf2cc60)
#define COL_EV_SPTE    RGB(0xc3e88d)
#define COL_EV_CONSOLE RGB(0x9da5b4)
#define COL_MARK       RGB(0xffffff)   /* the position in the timeline */
#define COL_HELP_BG    RGB(0x0f1420)

/* Each world's own colour: its box in the where panel (filled when lit) and its lane. */
static inline struct ui_rgb world_colour(enum ui_world w) {
    switch (w) {
    case W_HOST:     return RGB(0xe3a33b);
    case W_SWITCHER: return RGB(0xb07cf0);
    case W_KERNEL:   return RGB(0x3fb8af);
    default:         return RGB(0x58c05a);
    }
}
#endif
