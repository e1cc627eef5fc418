#include "LibXMLShim.h"
#include <libxml/HTMLparser.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lw_xml_reader {
    xmlTextReaderPtr reader;
    char error[512];
};

static void lw_record_error(void *arg, const char *msg, xmlParserSeverities severity,
                            xmlTextReaderLocatorPtr locator) {
    struct lw_xml_reader *self = arg;
    if (severity != XML_PARSER_SEVERITY_ERROR || self->error[0] != '\0') {
        return;
    }
    int line = xmlTextReaderLocatorLineNumber(locator);
    snprintf(self->error, sizeof self->error, "line %d: %s", line, msg ? msg : "unknown error");
    size_t n = strlen(self->error);
    while (n > 0 && (self->error[n - 1] == '\n' || self->error[n - 1] == ' ')) {
        self->error[--n] = '\0';
    }
}

/* Refuses every external resource: DTDs, external entities, XInclude. */
static xmlParserInputPtr lw_no_external_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
    (void)url; (void)id; (void)ctxt;
    return NULL;
}

lw_xml_reader *lw_xml_reader_open_memory(const char *buffer, size_t length, const char *name) {
    if (length > (size_t)0x7fffffff) {
        return NULL;
    }
    xmlSetExternalEntityLoader(lw_no_external_loader);
    struct lw_xml_reader *self = calloc(1, sizeof *self);
    if (self == NULL) {
        return NULL;
    }
    /* No NOENT (entities stay references), no DTDLOAD, no network. XML_PARSE_HUGE lifts the
     * 10 MB limit on one text node (a long page's wikitext) to libxml2's 1 GB; the formats
     * bound a page themselves (`max_page_bytes`) and reject it, reading on. */
    self->reader = xmlReaderForMemory(buffer, (int)length, name, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (self->reader == NULL) {
        free(self);
        return NULL;
    }
    xmlTextReaderSetErrorHandler(self->reader, lw_record_error, self);
    return self;
}

lw_xml_reader *lw_xml_reader_open_io(lw_xml_read_callback read, void *context, const char *name) {
    xmlSetExternalEntityLoader(lw_no_external_loader);
    struct lw_xml_reader *self = calloc(1, sizeof *self);
    if (self == NULL) {
        return NULL;
    }
    self->reader = xmlReaderForIO(read, NULL, context, name, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (self->reader == NULL) {
        free(self);
        return NULL;
    }
    xmlTextReaderSetErrorHandler(self->reader, lw_record_error, self);
    return self;
}

int lw_xml_reader_next(lw_xml_reader *self) {
    int status = xmlTextReaderRead(self->reader);
    if (status < 0 && self->error[0] == '\0') {
        snprintf(self->error, sizeof self->error, "malformed XML");
    }
    return status;
}

int lw_xml_reader_node_type(lw_xml_reader *self) { return xmlTextReaderNodeType(self->reader); }
int lw_xml_reader_depth(lw_xml_reader *self) { return xmlTextReaderDepth(self->reader); }
int lw_xml_reader_is_empty_element(lw_xml_reader *self) { return xmlTextReaderIsEmptyElement(self->reader); }
const char *lw_xml_reader_name(lw_xml_reader *self) {
    return (const char *)xmlTextReaderConstName(self->reader);
}
const char *lw_xml_reader_value(lw_xml_reader *self) {
    return (const char *)xmlTextReaderConstValue(self->reader);
}
int lw_xml_reader_line(lw_xml_reader *self) {
    xmlNodePtr node = xmlTextReaderCurrentNode(self->reader);
    return node ? (int)xmlGetLineNo(node) : 0;
}
const char *lw_xml_reader_error(lw_xml_reader *self) {
    return self->error[0] ? self->error : NULL;
}
void lw_xml_reader_free(lw_xml_reader *self) {
    if (self == NULL) {
        return;
    }
    xmlFreeTextReader(self->reader);
    free(self);
}

static void lw_html_attribute(xmlNodePtr node, const char *name, char *out, size_t size) {
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    if (value == NULL) {
        return;
    }
    size_t used = strlen(out);
    if (used + 1 < size) {
        snprintf(out + used, size - used, "%s%s", used ? " " : "", (const char *)value);
    }
    xmlFree(value);
}

/* Iterative so that a deeply nested page cannot exhaust the stack. */
static void lw_html_visit(xmlNodePtr root, lw_html_callback callback, void *context) {
    char attributes[1024];
    xmlNodePtr node = root;
    while (node != NULL) {
        int descend = 0;
        if (node->type == XML_ELEMENT_NODE) {
            attributes[0] = '\0';
            lw_html_attribute(node, "class", attributes, sizeof attributes);
            lw_html_attribute(node, "id", attributes, sizeof attributes);
            lw_html_attribute(node, "role", attributes, sizeof attributes);
            callback(context, LW_HTML_START, (const char *)node->name, NULL, attributes);
            descend = node->children != NULL;
            if (!descend) {
                callback(context, LW_HTML_END, (const char *)node->name, NULL, NULL);
            }
        } else if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content != NULL) {
                callback(context, LW_HTML_TEXT, NULL, (const char *)node->content, NULL);
            }
        }
        if (descend) {
            node = node->children;
            continue;
        }
        while (node != NULL && node != root && node->next == NULL) {
            node = node->parent;
            if (node != NULL && node->type == XML_ELEMENT_NODE) {
                callback(context, LW_HTML_END, (const char *)node->name, NULL, NULL);
            }
        }
        if (node == NULL || node == root) {
            break;
        }
        node = node->next;
    }
}

int lw_html_walk(const char *buffer, size_t length, const char *name, lw_html_callback callback, void *context) {
    if (length > (size_t)0x7fffffff) {
        return -1;
    }
    xmlSetExternalEntityLoader(lw_no_external_loader);

    /* XML_PARSE_HUGE lifts the nesting limit of 256 elements, past which libxml2 stops and
     * keeps what it read. Should it stop for depth all the same, that is reported (-2),
     * never passed on as the page. The walk is a loop, so depth costs no stack. */
    xmlResetLastError();
    htmlDocPtr document = htmlReadMemory(buffer, (int)length, name, NULL,
                                         HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                         HTML_PARSE_NOWARNING | XML_PARSE_HUGE);
    /* libxml2's last error is kept per thread. */
    xmlErrorPtr last = xmlGetLastError();
    int too_deep = last != NULL && last->code == XML_ERR_INTERNAL_ERROR && last->message != NULL &&
                   strstr(last->message, "Excessive depth") != NULL;
    if (document == NULL) {
        return -1;
    }
    if (too_deep) {
        xmlFreeDoc(document);
        return -2;
    }
    xmlNodePtr root = xmlDocGetRootElement(document);
    if (root != NULL) {
        lw_html_visit(root, callback, context);
    }
    xmlFreeDoc(document);
    return 0;
}
