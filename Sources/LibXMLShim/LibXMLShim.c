#include "LibXMLShim.h"
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
    /* No NOENT (entities stay references), no DTDLOAD, no network, default size limits. */
    self->reader = xmlReaderForMemory(buffer, (int)length, name, NULL, XML_PARSE_NONET);
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
