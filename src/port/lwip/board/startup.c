/* mps2-an386 start-up: the vector table, the reset handler (copy .data,
 * zero .bss, paint the stack), SysTick milliseconds, the CMSDK UART, and the
 * few system calls newlib needs (the heap for malloc, stdout to the UART). */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include "board.h"

#define REG(a) (*(volatile uint32_t *)(a))
/* System control space */
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)
#define NVIC_ISER0 REG(0xE000E100)
#define SCB_CPACR REG(0xE000ED88)
/* CMSDK APB UART0 (QEMU connects it to -serial, i.e. stdio with -nographic) */
#define UART0 0x40004000u
#define UART_DATA REG(UART0 + 0x00)
#define UART_STATE REG(UART0 + 0x04)
#define UART_CTRL REG(UART0 + 0x08)
#define UART_BAUDDIV REG(UART0 + 0x10)
#define SYSCLK_HZ 25000000u /* the board's 25 MHz clock, as QEMU models it */
#define ETH_IRQ 13          /* LAN9118 on AN385/AN386 */
#define STACK_PAINT 0xC0FFEE11u

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[], __heap_start[], __heap_end[];
int main(void);
void tern_board_reset(void);
void tern_lan9118_isr(void);

static volatile uint32_t ticks;

static void systick_isr(void) { ticks++; }
static void default_isr(void) {
  for (;;) __asm volatile("wfi");
}

/* A semihosting call (bkpt 0xab) without a debugger attached faults: the
 * handler skips the instruction and returns -1, so the firmware can run
 * without -semihosting too. Anything else is a real fault: say so and stop. */
__attribute__((naked)) static void hardfault_isr(void) {
  __asm volatile("tst lr, #4\n"
                 "ite eq\n"
                 "mrseq r0, msp\n"
                 "mrsne r0, psp\n"
                 "b tern_board_fault\n");
}
/* (used: called from the handler's assembly, which link-time optimisation cannot see) */
__attribute__((used)) void tern_board_fault(uint32_t *frame) {
  uint16_t *pc = (uint16_t *)frame[6];
  if (*pc == 0xbeab) { /* bkpt 0xab */
    frame[0] = (uint32_t)-1;
    frame[6] += 2;
    return;
  }
  char msg[96];
  int n = snprintf(msg, sizeof(msg), "\r\nfirmware: hard fault at pc %08lx, sp %08lx%s\r\n",
                   (unsigned long)frame[6], (unsigned long)frame,
                   (uint32_t *)frame < __stack_bottom + 64 ? " (stack overflow)" : "");
  tern_board_uart_write(msg, (size_t)n);
  for (;;) __asm volatile("wfi");
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16 + 32])(void) = {
    (void (*)(void))__stack_top,
    tern_board_reset,
    default_isr,
    hardfault_isr,
    default_isr,
    default_isr,
    default_isr,
    0,
    0,
    0,
    0,
    default_isr,
    default_isr,
    0,
    default_isr,
    systick_isr,
    [16 + ETH_IRQ] = tern_lan9118_isr,
};

void tern_board_reset(void) {
  uint32_t *s = __data_load, *d = __data_start;
  while (d < __data_end) *d++ = *s++;
  for (d = __bss_start; d < __bss_end; d++) *d = 0;
  /* paint the stack below the current frame for the high-water mark */
  uint32_t *sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  for (d = __stack_bottom; d < sp - 16; d++) *d = STACK_PAINT;
  SCB_CPACR |= 0xFu << 20; /* the FPU on, for code built for it (this image uses soft float) */
  __asm volatile("dsb\nisb");
  int rc = main();
  tern_semihost_exit(rc);
}

void tern_board_init(void) {
  UART_BAUDDIV = 16;
  UART_CTRL = 1; /* transmit */
  SYST_RVR = SYSCLK_HZ / 1000 - 1;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt, enable */
}

/* Only once the chip drives its line active-high: after reset it is
 * active-low, which the NVIC would take as a lasting interrupt. */
void tern_board_enable_eth_irq(void) { NVIC_ISER0 = 1u << ETH_IRQ; }

uint32_t tern_board_millis(void) { return ticks; }

uint64_t tern_board_micros(void) {
  uint32_t t, v;
  do { /* a tick between the two reads: read again */
    t = ticks;
    v = SYST_CVR;
  } while (t != ticks);
  return (uint64_t)t * 1000u + (SYSCLK_HZ / 1000 - 1 - v) / (SYSCLK_HZ / 1000000);
}

void tern_board_idle(void) { __asm volatile("wfi"); }

void tern_board_uart_write(const void *data, size_t n) {
  const uint8_t *p = data;
  for (size_t i = 0; i < n; i++) {
    while (UART_STATE & 1) {}
    UART_DATA = p[i];
  }
}

size_t tern_board_stack_size(void) {
  return (size_t)((uint8_t *)__stack_top - (uint8_t *)__stack_bottom);
}

size_t tern_board_stack_used(void) {
  uint32_t *p = __stack_bottom;
  while (p < __stack_top && *p == STACK_PAINT) p++;
  return (size_t)((uint8_t *)__stack_top - (uint8_t *)p);
}

/* ---- newlib's system calls ----
 * (used: newlib, compiled without link-time optimisation, calls them) */

__attribute__((used)) void *_sbrk(ptrdiff_t incr) {
  static uint8_t *brk = (uint8_t *)__heap_start;
  if (brk + incr > (uint8_t *)__heap_end) {
    errno = ENOMEM;
    return (void *)-1;
  }
  void *old = brk;
  brk += incr;
  return old;
}

__attribute__((used)) int _write(int fd, const void *buf, size_t n) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  /* a terminal wants \r\n */
  const char *p = buf;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '\n') tern_board_uart_write("\r", 1);
    tern_board_uart_write(p + i, 1);
  }
  return (int)n;
}

__attribute__((used)) int _read(int fd, void *buf, size_t n) {
  (void)fd, (void)buf, (void)n;
  return 0;
}
__attribute__((used)) int _close(int fd) {
  (void)fd;
  return -1;
}
__attribute__((used)) int _fstat(int fd, struct stat *st) {
  (void)fd;
  memset(st, 0, sizeof(*st));
  st->st_mode = S_IFCHR;
  return 0;
}
__attribute__((used)) int _isatty(int fd) { return fd <= 2; }
__attribute__((used)) long _lseek(int fd, long off, int whence) {
  (void)fd, (void)off, (void)whence;
  return 0;
}
__attribute__((used)) void _exit(int status) { tern_semihost_exit(status); }
__attribute__((used)) int _kill(int pid, int sig) {
  (void)pid, (void)sig;
  errno = EINVAL;
  return -1;
}
__attribute__((used)) int _getpid(void) { return 1; }
