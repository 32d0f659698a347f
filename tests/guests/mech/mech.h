/* mech.h - shared pieces of the mechanisms guest: trap records, gates, test routines. */
#ifndef LGSIM_MECH_H
#define LGSIM_MECH_H
#include "tests/guests/lib/guest.h"

#define NO_ERR 0xFFFFFFFFu
#define TIME_EPOCH 1191888000u   /* lgsim's lguest_data.time starts here (2007-10-09) */

extern struct lguest_data lguest_data;

/* What a handler saw on entry, recorded by trap_c. */
struct trap_rec {
    uint32_t vec, esp, err, eip, cs, eflags;   /* esp: where the frame starts */
    uint32_t irq_enabled, cr2, time[2], cs_now;
};
extern struct trap_rec traps[16];
extern unsigned ntraps;
extern volatile uint32_t timer_hits;
/* Called by trap_c after recording, with frame[0] = the saved EIP; may change the frame. */
extern void (*on_trap)(uint32_t vec, uint32_t *frame);

/* Interrupt gate 0xE or trap gate 0xF, through LHCALL_LOAD_IDT_ENTRY. */
void set_gate(uint32_t vec, uint32_t handler, uint32_t sel, uint32_t type, uint32_t dpl);
void print_trap_at(const struct trap_rec *t, const char *site_name, uint32_t site);
uint32_t top_rel(uint32_t esp);        /* test_stack_top - esp */
void note(const char *what, uint32_t v);  /* a numbered step of an event log */
void print_notes(void);
void power_off(void);

/* head.S */
extern char stub_6[], stub_7[], stub_13[], stub_14[], stub_32[], stub_128[];
extern char lguest_noirq_iret[], test_stack_top[], stack_top[], scratch[];
extern char t_ud2[], ud_site[], t_int30[], int30_site[], t_pf_read[], pf_read_site[];
extern char t_pf_write[], pf_write_site[], t_spin[], spin_loop[], after_send[], after_halt[];
extern char t_noirq[], noirq_label[], noirq_resume[], t_fpu[], fpu_site[], t_int80[];
extern char t_ud2_scratch_eax[], test_return[], t_halt[];
extern uint32_t resume_esp, fpu_result, saved_esp;
void on_test_stack(const char *routine);
void send_interrupts(void);

/* hostile.c */
int hostile_before_init(const char *name, uint32_t arg);
int hostile_scenario(const char *name, uint32_t arg);
#endif
