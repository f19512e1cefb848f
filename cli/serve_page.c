/*
 * serve_page.c - the web page at / (cli/serve_page.html: HTML, CSS and
 * script in one file, no CDN), embedded in the binary by the assembler so
 * the page is edited as HTML; the Makefile rebuilds this object when the
 * page changes.
 */
#include "cli/serve.h"

__asm__(".section .rodata\n"
        ".global kg_serve_page_start\n"
        ".global kg_serve_page_end\n"
        ".balign 16\n"
        "kg_serve_page_start:\n"
        ".incbin \"cli/serve_page.html\"\n"
        "kg_serve_page_end:\n"
        ".byte 0\n"
        ".previous\n");

extern const char kg_serve_page_start[], kg_serve_page_end[];

const char *serve_page(size_t *len)
{
    *len = (size_t)(kg_serve_page_end - kg_serve_page_start);
    return kg_serve_page_start;
}
