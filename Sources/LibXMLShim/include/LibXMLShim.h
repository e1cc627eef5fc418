#ifndef LONGWEAVE_LIBXML_SHIM_H
#define LONGWEAVE_LIBXML_SHIM_H
/* A pull reader over libxml2's xmlTextReader with no libxml2 type in sight, so that
 * Swift modules that import Foundation never see libxml2's (ICU-including) headers.
 * The reader never loads external entities or DTDs and never touches the network. */

#include <stddef.h>

typedef struct lw_xml_reader lw_xml_reader;

enum {
    LW_XML_ELEMENT = 1,
    LW_XML_TEXT = 3,
    LW_XML_CDATA = 4,
    LW_XML_ENTITY_REFERENCE = 5,
    LW_XML_SIGNIFICANT_WHITESPACE = 14,
    LW_XML_END_ELEMENT = 15,
};

/* Reads from memory; `buffer` must outlive the reader. `name` is used in messages.
 * Returns NULL when libxml2 cannot allocate a reader. */
lw_xml_reader *lw_xml_reader_open_memory(const char *buffer, size_t length, const char *name);

/* Pulls bytes from `read` (which returns the count, 0 at the end, -1 on error), so that a
 * dump of any size is parsed in bounded memory. `context` must outlive the reader. */
typedef int (*lw_xml_read_callback)(void *context, char *buffer, int length);
lw_xml_reader *lw_xml_reader_open_io(lw_xml_read_callback read, void *context, const char *name);

/* Advances to the next node: 1 a node, 0 end of document, -1 error (see lw_xml_reader_error). */
int lw_xml_reader_next(lw_xml_reader *reader);

int lw_xml_reader_node_type(lw_xml_reader *reader);
int lw_xml_reader_depth(lw_xml_reader *reader);
int lw_xml_reader_is_empty_element(lw_xml_reader *reader);
/* UTF-8, owned by the reader, valid until the next call to lw_xml_reader_next. NULL if none. */
const char *lw_xml_reader_name(lw_xml_reader *reader);
const char *lw_xml_reader_value(lw_xml_reader *reader);
/* The line of the current node, or 0. */
int lw_xml_reader_line(lw_xml_reader *reader);
/* The first error libxml2 reported, or NULL. */
const char *lw_xml_reader_error(lw_xml_reader *reader);

void lw_xml_reader_free(lw_xml_reader *reader);

/* HTML pages: libxml2's forgiving HTML parser builds the tree (no network, no external
 * entities), and the walk reports it in document order. */
enum {
    LW_HTML_START = 1,
    LW_HTML_TEXT = 2,
    LW_HTML_END = 3,
};
/* For LW_HTML_START and LW_HTML_END: `name` is the lower-case tag name and `attributes`
 * the element's class, id and role joined by spaces (START only). For LW_HTML_TEXT: `text`. */
typedef void (*lw_html_callback)(void *context, int kind, const char *name, const char *text, const char *attributes);
/* Returns 0; -1 when the bytes cannot be parsed at all; -2 when libxml2 stopped reading
 * because elements nest too deep: then nothing is walked. */
int lw_html_walk(const char *buffer, size_t length, const char *name, lw_html_callback callback, void *context);

#endif
