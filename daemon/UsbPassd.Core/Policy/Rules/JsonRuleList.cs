using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using UsbPassd.Devices;
using UsbPassd.Migration;

namespace UsbPassd.Policy;

/// <summary>
/// The seed's list form, <c>[{"vendor_id": "1d6b", "product_id": "0002"}]</c>, as block or allow
/// rules. Keys: <c>vendor_id</c> (4 hex digits), <c>product_id</c> (4 hex digits or <c>*</c>, needs
/// vendor_id; absent means any), <c>serial</c>, <c>port_id</c> (<c>1-4.2</c>); at least one of them.
/// An entry is the rule <c>id V:P serial "S" via-port "P"</c> with the keys it has. An allow list entry
/// may also say what a live migration does with the device, <c>"migration": "equivalent"</c> (the rule's
/// <c>migration equivalent</c>; not a condition, so not one of the keys an entry needs). Unknown keys are
/// errors, so a misspelt key cannot silently widen a rule.
/// </summary>
internal static class JsonRuleList
{
    private const string VendorId = "vendor_id";
    private const string ProductId = "product_id";
    private const string Serial = "serial";
    private const string PortId = "port_id";
    private const string Migration = RuleSyntax.Migration;

    public static List<PolicyRule> Parse(string? json, RuleSource source)
    {
        if (json is null)
        {
            return [];
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(utf8);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw Error(source, utf8, reader.TokenStartIndex, "expected a JSON array like [{\"vendor_id\": \"1d6b\", \"product_id\": \"0002\"}]");
            }

            var rules = new List<PolicyRule>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (rules.Count == RuleParser.MaxRules)
                {
                    throw Error(source, utf8, reader.TokenStartIndex, $"more than {RuleParser.MaxRules} entries");
                }

                rules.Add(ParseEntry(ref reader, utf8, source, rules.Count));
            }

            // Read() checks what follows the array; a list cut short ends in a JsonException.
            while (reader.Read())
            {
            }

            return rules;
        }
        catch (JsonException e)
        {
            // Its message ends in its own 0-based "LineNumber: 0 | BytePositionInLine: 5."; ours is 1-based and in characters.
            string problem = e.Message.Split(" LineNumber:", 2)[0].Trim();
            long offset = LineStart(utf8, e.LineNumber ?? 0) + (e.BytePositionInLine ?? 0);
            throw Error(source, utf8, offset, $"not valid JSON: {problem}");
        }
    }

    private static PolicyRule ParseEntry(ref Utf8JsonReader reader, byte[] utf8, RuleSource source, int index)
    {
        long entryStart = reader.TokenStartIndex;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error(source, utf8, entryStart, "expected an object like {\"vendor_id\": \"1d6b\", \"product_id\": \"0002\"} in the array");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            long keyAt = reader.TokenStartIndex;
            string key = reader.GetString()!;
            if (key == Migration && source == RuleSource.BlockList)
            {
                throw Error(source, utf8, keyAt, $"\"{Migration}\" goes only with the allow list: a blocked device is never attached, so there is nothing to migrate");
            }

            if (key is not (VendorId or ProductId or Serial or PortId or Migration))
            {
                string keys = source == RuleSource.BlockList
                    ? $"\"{VendorId}\", \"{ProductId}\", \"{Serial}\" or \"{PortId}\""
                    : $"\"{VendorId}\", \"{ProductId}\", \"{Serial}\", \"{PortId}\" or \"{Migration}\"";
                throw Error(source, utf8, keyAt, $"expected {keys}, found \"{key}\"");
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Error(source, utf8, reader.TokenStartIndex, $"expected a string for \"{key}\", found {Describe(reader.TokenType)}");
            }

            if (!values.TryAdd(key, reader.GetString()!))
            {
                throw Error(source, utf8, keyAt, $"\"{key}\" appears twice in this entry");
            }

            Check(key, values[key], source, utf8, reader.TokenStartIndex);
        }

        if (values.Keys.All(k => k == Migration))
        {
            throw Error(source, utf8, entryStart, $"expected at least one of \"{VendorId}\", \"{ProductId}\", \"{Serial}\", \"{PortId}\" in the entry");
        }

        var conditions = new List<RuleCondition>();
        if (values.TryGetValue(VendorId, out string? vendor))
        {
            string product = values.GetValueOrDefault(ProductId, "*");
            RuleValue id = HexPattern.Id.TryParse($"{vendor}:{product}", out RuleValue v) ? v : throw new UnreachableException("both ids were checked as they were read");
            conditions.Add(new RuleCondition(RuleAttribute.Id, SetOperator.Equal, [id]));
        }
        else if (values.ContainsKey(ProductId))
        {
            throw Error(source, utf8, entryStart, $"\"{ProductId}\" needs \"{VendorId}\": product ids are per vendor");
        }

        if (values.TryGetValue(Serial, out string? serial))
        {
            conditions.Add(new RuleCondition(RuleAttribute.Serial, SetOperator.Equal, [RuleValue.OfText(serial)]));
        }

        if (values.TryGetValue(PortId, out string? port))
        {
            conditions.Add(new RuleCondition(RuleAttribute.ViaPort, SetOperator.Equal, [RuleValue.OfText(port)]));
        }

        return new PolicyRule
        {
            Target = source == RuleSource.BlockList ? PolicyTarget.Block : PolicyTarget.Allow,
            Conditions = conditions,
            Migration = MigrationDecisions.Parse(values.GetValueOrDefault(Migration)),
            Origin = new RuleOrigin(source, index),
        };
    }

    private static void Check(string key, string value, RuleSource source, byte[] utf8, long at)
    {
        bool valid = key switch
        {
            VendorId => IsHex4(value),
            ProductId => value == "*" || IsHex4(value),
            PortId => UsbPortPath.TryParse(value, out _),
            Migration => MigrationDecisions.Parse(value) is not null,
            _ => true,
        };
        if (!valid)
        {
            string expected = key switch
            {
                PortId => "a port like \"1-4.2\"",
                VendorId => "4 hex digits like \"1d6b\"",
                Migration => $"a migration decision ({RuleSyntax.MigrationList})",
                _ => "4 hex digits like \"0002\", or \"*\"",
            };
            throw Error(source, utf8, at, $"expected {expected} for \"{key}\", found {RuleSyntax.Quote(value)}");
        }
    }

    private static bool IsHex4(string value) =>
        value.Length == 4 && ushort.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _);

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };

    private static PolicyParseException Error(RuleSource source, byte[] utf8, long offset, string problem)
    {
        int at = (int)Math.Clamp(offset, 0, utf8.Length);
        int lineStart = utf8.AsSpan(0, at).LastIndexOf((byte)'\n') + 1;
        int line = utf8.AsSpan(0, at).Count((byte)'\n') + 1;
        return new PolicyParseException(source, line, Encoding.UTF8.GetCharCount(utf8.AsSpan(lineStart, at - lineStart)) + 1, problem);
    }

    private static long LineStart(byte[] utf8, long line)
    {
        int start = 0;
        for (long i = 0; i < line && start < utf8.Length; i++)
        {
            int next = utf8.AsSpan(start).IndexOf((byte)'\n');
            start = next < 0 ? utf8.Length : start + next + 1;
        }

        return start;
    }
}
