namespace UsbPassd.Placement;

/// <summary>
/// Reads the part of YAML that <c>clouds.yaml</c> uses: nested block mappings of scalars (plain,
/// 'single' or "double" quoted), comments and blank lines. Sequences and flow collections are
/// skipped (clouds.yaml keeps credentials in mappings). Bounded: no anchors, no tags, no includes.
/// Keys become paths joined by '.', e.g. <c>clouds.mycloud.auth.auth_url</c>.
/// </summary>
public static class CloudsYaml
{
    /// <summary>Where OpenStack tools look, in their order (openstacksdk's config loader).</summary>
    public static IEnumerable<string> SearchPath()
    {
        if (Environment.GetEnvironmentVariable("OS_CLIENT_CONFIG_FILE") is { Length: > 0 } file)
        {
            yield return file;
        }

        yield return Path.Combine(Environment.CurrentDirectory, "clouds.yaml");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0)
        {
            yield return Path.Combine(home, ".config", "openstack", "clouds.yaml");
        }

        yield return "/etc/openstack/clouds.yaml";
    }

    /// <exception cref="FormatException">A line that is not a mapping entry; the message names the line.</exception>
    public static Dictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var path = new List<(int Indent, string Key)>();
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = StripComment(lines[n].TrimEnd('\r'));
            if (line.Trim().Length == 0 || line.TrimStart() is "---" or "...")
            {
                continue;
            }

            int indent = line.Length - line.TrimStart(' ').Length;
            string content = line.Trim();
            while (path.Count > 0 && path[^1].Indent >= indent)
            {
                path.RemoveAt(path.Count - 1);
            }

            if (content.StartsWith('-'))
            {
                continue; // a sequence item (regions: [...] as a list): not needed for credentials
            }

            int colon = KeyEnd(content);
            if (colon < 0)
            {
                throw new FormatException($"line {n + 1}: expected 'key: value'");
            }

            string key = Unquote(content[..colon].Trim());
            string value = content[(colon + 1)..].Trim();
            if (value.Length == 0)
            {
                path.Add((indent, key));
                continue;
            }

            if (value[0] is '[' or '{' or '&' or '*' or '|' or '>')
            {
                continue; // flow collections, anchors and block scalars: not used for credentials
            }

            values[string.Join('.', path.Select(p => p.Key).Append(key))] = Unquote(value);
        }

        return values;
    }

    // "key: value" — the first ': ' (or a trailing ':') outside quotes.
    private static int KeyEnd(string content)
    {
        char quote = '\0';
        for (int i = 0; i < content.Length; i++)
        {
            char c = content[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'' && i == 0)
            {
                quote = c;
            }
            else if (c == ':' && (i + 1 == content.Length || content[i + 1] == ' '))
            {
                return i;
            }
        }

        return -1;
    }

    private static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote == '\'' && c == '\'' && i + 1 < line.Length && line[i + 1] == '\'')
            {
                i++; // '' inside single quotes is one quote
            }
            else if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'' && (i == 0 || line[i - 1] is ' ' or ':'))
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || line[i - 1] == ' '))
            {
                return line[..i];
            }
        }

        return line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1].Replace("''", "'", StringComparison.Ordinal)
        : value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal)
        : value;
}
