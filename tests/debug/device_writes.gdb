# A watchpoint fires on what the Launcher's devices write into Guest memory, and says which
# device and which of its functions wrote: the block device's used index (vq_push), then the
# sector it reads over a page of code (blk_read).  The durable guest's code-from-disk run
# (tests/guests/durable): a write of sector 0, then a read of it into code_page.
source @GDBINIT@
lgsim-connect @PORT@
lgsim-switcher @SWITCHER@
lgsim-kernel @KERNEL@
break code_from_disk
continue
delete
p ring_used.idx
watch ring_used.idx
continue
p ring_used.idx
bt 2
delete
p/x code_page[1]
watch code_page[1]
continue
p/x code_page[1]
p $cpl
delete
detach
