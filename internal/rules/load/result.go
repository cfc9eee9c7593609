package load

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ErrorCode classifies a load error, with Falco's codes.
type ErrorCode int

// Error codes.
const (
	ErrFileRead ErrorCode = iota
	ErrYAMLParse
	ErrYAMLValidate
	ErrCompileCondition
	ErrCompileOutput
	ErrValidate
	ErrExtension
)

var errorCodes = [...]struct{ name, desc string }{
	{"LOAD_ERR_FILE_READ", "File read error"},
	{"LOAD_ERR_YAML_PARSE", "YAML parse error"},
	{"LOAD_ERR_YAML_VALIDATE", "Error validating internal structure of YAML file"},
	{"LOAD_ERR_COMPILE_CONDITION", "Error compiling condition"},
	{"LOAD_ERR_COMPILE_OUTPUT", "Error compiling output"},
	{"LOAD_ERR_VALIDATE", "Error validating rule/macro/list/exception objects"},
	{"LOAD_ERR_EXTENSION", "Error in extension item"},
}

func (c ErrorCode) String() string { return errorCodes[c].name }

// Desc is the short description Falco prints next to the code.
func (c ErrorCode) Desc() string { return errorCodes[c].desc }

// WarningCode classifies a load warning, with Falco's codes.
type WarningCode int

// Warning codes.
const (
	WarnUnknownSource WarningCode = iota
	WarnUnsafeNACheck
	WarnNoEvttype
	WarnUnknownFilter
	WarnUnusedMacro
	WarnUnusedList
	WarnUnknownItem
	WarnDeprecatedItem
	WarnExtension
	WarnAppendNoValues
	WarnExceptionNameNotUnique
	WarnInvalidMacroName
	WarnInvalidListName
	WarnCompileCondition
	WarnUnknownKey
)

var warningCodes = [...]struct{ name, desc string }{
	{"LOAD_UNKNOWN_SOURCE", "Unknown event source"},
	{"LOAD_UNSAFE_NA_CHECK", "Unsafe <NA> comparison in condition"},
	{"LOAD_NO_EVTTYPE", "Condition has no event-type restriction"},
	{"LOAD_UNKNOWN_FILTER", "Unknown field or event-type in condition or output"},
	{"LOAD_UNUSED_MACRO", "Unused macro"},
	{"LOAD_UNUSED_LIST", "Unused list"},
	{"LOAD_UNKNOWN_ITEM", "Unknown rules file item"},
	{"LOAD_DEPRECATED_ITEM", "Used deprecated item"},
	{"LOAD_WARNING_EXTENSION", "Warning in extension item"},
	{"LOAD_APPEND_NO_VALUES", "Overriding/appending with no values"},
	{"LOAD_EXCEPTION_NAME_NOT_UNIQUE", "Multiple exceptions defined with the same name"},
	{"LOAD_INVALID_MACRO_NAME", "Invalid macro name"},
	{"LOAD_INVALID_LIST_NAME", "Invalid list name"},
	{"LOAD_COMPILE_CONDITION", "Warning in rule condition"},
	{"LOAD_UNKNOWN_KEY", "Unknown key in item definition"},
}

func (c WarningCode) String() string { return warningCodes[c].name }

// Desc is the short description Falco prints next to the code.
func (c WarningCode) Desc() string { return warningCodes[c].desc }

// ItemType names the kind of item a location points at, as Falco names it.
type ItemType int

// Item types.
const (
	ItemValueFor ItemType = iota
	ItemExceptions
	ItemException
	ItemExceptionValues
	ItemExceptionValue
	ItemRulesContent
	ItemRulesContentItem
	ItemRequiredEngineVersion
	ItemRequiredPluginVersions
	ItemRequiredPluginVersionsEntry
	ItemRequiredPluginVersionsAlternative
	ItemList
	ItemListItem
	ItemMacro
	ItemMacroCondition
	ItemRule
	ItemRuleCondition
	ItemConditionExpression
	ItemRuleOutput
	ItemRuleOutputExpression
	ItemRulePriority
	ItemOverrides
	ItemExtension
)

var itemTypeNames = [...]string{
	"value for", "exceptions", "exception", "exception values", "exception value",
	"rules content", "rules content item", "required_engine_version", "required plugin versions",
	"required plugin versions entry", "required plugin versions alternative", "list", "list item",
	"macro", "macro condition", "rule", "rule condition", "condition expression", "rule output",
	"rule output expression", "rule priority", "overrides", "extension item",
}

func (t ItemType) String() string { return itemTypeNames[t] }

// Position is a place in a rules file. Line and Column count from 1, as
// editors do (Falco prints yaml-cpp's 0-based marks; Kestrel reports the
// line a user can open); Offset counts bytes from 0.
type Position struct {
	Name   string
	Line   int
	Column int
	Offset int
}

// Location is one link of a context chain: an item and where it is.
type Location struct {
	ItemType ItemType
	ItemName string
	Pos      Position
}

// Context is the chain of items leading to a message, outermost first.
type Context struct {
	Locations []Location
}

func (c Context) with(t ItemType, name string, pos Position) Context {
	locs := make([]Location, len(c.Locations), len(c.Locations)+1)
	copy(locs, c.Locations)
	return Context{Locations: append(locs, Location{ItemType: t, ItemName: name, Pos: pos})}
}

func (c Context) last() Location {
	if len(c.Locations) == 0 {
		return Location{}
	}
	return c.Locations[len(c.Locations)-1]
}

// String renders the chain as Falco does: "In rules content: (f:1:1)"
// then one indented line per nested item.
func (c Context) String() string {
	var b strings.Builder
	for i, l := range c.Locations {
		if i == 0 {
			b.WriteString("In ")
		} else {
			b.WriteString("    ")
		}
		b.WriteString(l.ItemType.String())
		if l.ItemName != "" {
			b.WriteString(" '" + l.ItemName + "'")
		}
		fmt.Fprintf(&b, ": (%s:%d:%d)\n", l.Pos.Name, l.Pos.Line, l.Pos.Column)
	}
	return b.String()
}

// snippetWidth caps how much of a long line a snippet shows.
const snippetWidth = 160

// Snippet renders the source line at the context's innermost position
// with a caret under the column.
func (c Context) Snippet(contents map[string][]byte) string {
	loc := c.last()
	content, ok := contents[loc.Pos.Name]
	if !ok {
		return "<No context for file + " + loc.Pos.Name + ">\n"
	}
	if len(content) == 0 {
		return "<No context available>\n"
	}
	pos := loc.Pos.Offset
	for pos > 0 && (pos >= len(content) || content[pos] == '\n') {
		pos--
	}
	half := snippetWidth / 2
	from := pos
	for from > 0 && content[from] != '\n' && pos-from < half {
		from--
	}
	to := pos
	for to < len(content)-1 && content[to] != '\n' && to-pos < half {
		to++
	}
	if from < len(content) && content[from] == '\n' {
		from++
	}
	if to < len(content) && content[to] == '\n' {
		to--
	}
	if to < from {
		return "<No context available>\n"
	}
	line := string(content[from : to+1])
	if pos-from >= half && len(line) >= 3 {
		line = "..." + line[3:]
	}
	if to-pos >= half && len(line) >= 3 {
		line = line[:len(line)-3] + "..."
	}
	caret := pos - from
	if caret < 0 {
		caret = 0
	}
	return line + "\n" + strings.Repeat(" ", caret) + "^\n"
}

// Message is one error or warning.
type Message struct {
	Error   ErrorCode
	Warning WarningCode
	IsError bool
	Msg     string
	Ctx     Context
}

// Code is the message's code name.
func (m Message) Code() string {
	if m.IsError {
		return m.Error.String()
	}
	return m.Warning.String()
}

// Where is the innermost item the message is about, and its position.
func (m Message) Where() Location { return m.Ctx.last() }

// CodeDesc is the code's short description.
func (m Message) CodeDesc() string {
	if m.IsError {
		return m.Error.Desc()
	}
	return m.Warning.Desc()
}

// Result is the outcome of loading one rules file (or content).
type Result struct {
	Name     string
	Errors   []Message
	Warnings []Message
}

// OK reports whether the file loaded without errors.
func (r *Result) OK() bool { return len(r.Errors) == 0 }

func (r *Result) addError(code ErrorCode, msg string, ctx Context) {
	r.Errors = append(r.Errors, Message{Error: code, IsError: true, Msg: msg, Ctx: ctx})
}

func (r *Result) addWarning(code WarningCode, msg string, ctx Context) {
	r.Warnings = append(r.Warnings, Message{Warning: code, Msg: msg, Ctx: ctx})
}

func (r *Result) status() string {
	s := ""
	if r.Name != "" {
		s = r.Name + ": "
	}
	if r.OK() {
		s += "Ok"
		if len(r.Warnings) > 0 {
			s += ", with warnings"
		}
		return s
	}
	return s + "Invalid"
}

// Summary renders the one-paragraph form: status, then the codes.
func (r *Result) Summary() string {
	var b strings.Builder
	b.WriteString(r.status())
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "\n %d errors: [", len(r.Errors))
		for i, m := range r.Errors {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s (%s)", m.Code(), m.CodeDesc())
		}
		b.WriteByte(']')
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(&b, "\n %d warnings: [", len(r.Warnings))
		for i, m := range r.Warnings {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%s (%s)", m.Code(), m.CodeDesc())
		}
		b.WriteByte(']')
	}
	return b.String()
}

// Verbose renders every message with its context chain and snippet.
func (r *Result) Verbose(contents map[string][]byte) string {
	var b strings.Builder
	b.WriteString(r.status())
	write := func(title string, msgs []Message) {
		if len(msgs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%d %s:\n", len(msgs), title)
		for _, m := range msgs {
			b.WriteString(m.Ctx.String())
			b.WriteString("------\n")
			b.WriteString(m.Ctx.Snippet(contents))
			b.WriteString("------\n")
			fmt.Fprintf(&b, "%s (%s): %s\n", m.Code(), m.CodeDesc(), m.Msg)
		}
	}
	write("Errors", r.Errors)
	write("Warnings", r.Warnings)
	return b.String()
}

// jsonResult is the shape of one entry of Falco's falco_load_results.
// Keys are in alphabetical order, as Falco's JSON library writes them.
type jsonResult struct {
	Errors         []jsonMessage `json:"errors"`
	Name           string        `json:"name"`
	SchemaValid    bool          `json:"schema_valid"`
	SchemaWarnings []string      `json:"schema_warnings"`
	Successful     bool          `json:"successful"`
	Warnings       []jsonMessage `json:"warnings"`
}

type jsonMessage struct {
	Code     string      `json:"code"`
	CodeDesc string      `json:"codedesc"`
	Context  jsonContext `json:"context"`
	Message  string      `json:"message"`
}

type jsonContext struct {
	Locations []jsonLocation `json:"locations"`
	Snippet   string         `json:"snippet"`
}

type jsonLocation struct {
	ItemName string       `json:"item_name"`
	ItemType string       `json:"item_type"`
	Position jsonPosition `json:"position"`
}

type jsonPosition struct {
	Column int    `json:"column"`
	Line   int    `json:"line"`
	Name   string `json:"name"`
	Offset int    `json:"offset"`
}

func (r *Result) jsonValue(contents map[string][]byte) jsonResult {
	conv := func(msgs []Message) []jsonMessage {
		out := make([]jsonMessage, 0, len(msgs))
		for _, m := range msgs {
			jm := jsonMessage{Code: m.Code(), CodeDesc: m.CodeDesc(), Message: m.Msg,
				Context: jsonContext{Snippet: m.Ctx.Snippet(contents), Locations: []jsonLocation{}}}
			for _, l := range m.Ctx.Locations {
				jm.Context.Locations = append(jm.Context.Locations, jsonLocation{
					ItemName: l.ItemName, ItemType: l.ItemType.String(),
					Position: jsonPosition{Column: l.Pos.Column, Line: l.Pos.Line, Name: l.Pos.Name, Offset: l.Pos.Offset},
				})
			}
			out = append(out, jm)
		}
		return out
	}
	// Kestrel has no separate JSON schema pass: its reader checks the same
	// structure. Structural errors and unknown keys are what a schema would
	// flag, so they make up the schema verdict.
	schema := []string{}
	for _, m := range r.Errors {
		if m.Error == ErrYAMLValidate || m.Error == ErrYAMLParse {
			schema = append(schema, m.Msg)
		}
	}
	for _, m := range r.Warnings {
		if m.Warning == WarnUnknownKey {
			schema = append(schema, m.Msg)
		}
	}
	return jsonResult{Name: r.Name, Successful: r.OK(), Errors: conv(r.Errors), Warnings: conv(r.Warnings),
		SchemaValid: len(schema) == 0, SchemaWarnings: schema}
}

// JSON renders results as Falco's {"falco_load_results": [...]} document.
func JSON(results []*Result, contents map[string][]byte) ([]byte, error) {
	doc := struct {
		Results []jsonResult `json:"falco_load_results"`
	}{Results: []jsonResult{}}
	for _, r := range results {
		doc.Results = append(doc.Results, r.jsonValue(contents))
	}
	return json.Marshal(doc)
}
