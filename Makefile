# longweave: `make datasets` builds every pipeline in pipelines/, verifies it and scores the
# LV-Eval splits with LV-Eval's metric; `make test` runs the tests.
SWIFT ?= swift
RAW_MIRROR ?= $(if $(wildcard ../shared/data),../shared/data,)
THREADS ?= $(shell nproc)
LONGWEAVE := .build/release/longweave
PIPELINES := $(shell find pipelines -name '*.yaml' | sort)

.PHONY: datasets test test-slurm bench raw release clean

datasets: release raw
	$(LONGWEAVE) run --threads $(THREADS) $(PIPELINES)
	@for dir in $$(find build -name manifest.json -exec dirname {} \; | sort); do $(LONGWEAVE) verify $$dir || exit 1; done
	scripts/lveval-scoring.sh $(LONGWEAVE) build/lveval

release:
	$(SWIFT) build -c release --product longweave

raw: release
	$(LONGWEAVE) fetch-raw $(if $(RAW_MIRROR),--mirror $(RAW_MIRROR),)

test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/tokenizer-exactness.sh .build/debug/longweave
	scripts/lveval-scoring.sh .build/debug/longweave

# A real one-node Slurm (installed when missing): a pipeline and an audit as job arrays,
# merged outputs compared with single-machine runs, a killed task resubmitted.
test-slurm: release raw
	scripts/test-slurm.sh

bench: release raw
	$(SWIFT) build -c release --product LongweaveBench
	@.build/venv-bench/bin/python -c "import trafilatura, gensim, datatrove, spacy, xxhash" 2>/dev/null || (python3 -m venv .build/venv-bench && .build/venv-bench/bin/pip install --quiet trafilatura lxml_html_clean gensim datatrove spacy xxhash) || echo "bench: Python references not installed"
	.build/release/LongweaveBench

clean:
	rm -rf build .build
