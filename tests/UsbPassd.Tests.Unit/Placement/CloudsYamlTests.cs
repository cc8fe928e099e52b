using UsbPassd.Placement;

namespace UsbPassd.Tests.Unit.Placement;

/// <summary>clouds.yaml as OpenStack tools write it, and the Keystone request and catalog around it.</summary>
public sealed class CloudsYamlTests
{
    private const string Yaml = """
        # written by an operator
        clouds:
          devstack:
            auth:
              auth_url: https://keystone.example.org:5000/v3
              username: "placement"
              password: 'it''s # not a comment'
              project_name: service
              user_domain_name: Default
              project_domain_id: default
            region_name: RegionOne
            interface: internal
            identity_api_version: 3
            regions:
              - RegionOne
          other:
            auth_type: token
            auth:
              auth_url: https://k.example.org/v3
              token: abc
        """;

    [Fact]
    public void Nested_mappings_become_dotted_keys_quotes_and_comments_as_yaml_reads_them()
    {
        Dictionary<string, string> values = CloudsYaml.Parse(Yaml);

        Assert.Equal("https://keystone.example.org:5000/v3", values["clouds.devstack.auth.auth_url"]);
        Assert.Equal("placement", values["clouds.devstack.auth.username"]);
        Assert.Equal("it's # not a comment", values["clouds.devstack.auth.password"]);
        Assert.Equal("internal", values["clouds.devstack.interface"]);
        Assert.Equal("token", values["clouds.other.auth_type"]);
    }

    [Fact]
    public void A_line_that_is_not_a_mapping_names_its_line()
    {
        FormatException e = Assert.Throws<FormatException>(() => CloudsYaml.Parse("clouds:\n  just text\n"));
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cloud_is_found_in_the_first_file_that_names_it()
    {
        string dir = Directory.CreateTempSubdirectory("clouds-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.yaml"), "clouds:\n  elsewhere:\n    auth:\n      auth_url: https://x/v3\n");
            File.WriteAllText(Path.Combine(dir, "b.yaml"), Yaml);

            CloudCredentials c = CloudCredentials.Load("devstack", [Path.Combine(dir, "missing.yaml"), Path.Combine(dir, "a.yaml"), Path.Combine(dir, "b.yaml")]);

            Assert.Equal("placement", c.Username);
            Assert.Equal("service", c.ProjectName);
            Assert.Equal("default", c.ProjectDomainId);
            Assert.Equal("internal", c.Interface);
            Assert.Equal("RegionOne", c.RegionName);
            Assert.DoesNotContain("not a comment", c.ToString(), StringComparison.Ordinal);
            Assert.Contains("no cloud 'nope'", Assert.Throws<InvalidOperationException>(() => CloudCredentials.Load("nope", [Path.Combine(dir, "b.yaml")])).Message, StringComparison.Ordinal);
            Assert.Contains("auth_type token", Assert.Throws<InvalidOperationException>(() => CloudCredentials.Load("other", [Path.Combine(dir, "b.yaml")])).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_search_path_is_the_openstack_tools_one()
    {
        string[] path = [.. CloudsYaml.SearchPath()];

        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "clouds.yaml"), path[^3]);
        Assert.EndsWith("/.config/openstack/clouds.yaml", path[^2], StringComparison.Ordinal);
        Assert.Equal("/etc/openstack/clouds.yaml", path[^1]);
    }

    [Theory]
    [InlineData("https://k.example.org:5000/v3", "https://k.example.org:5000/v3/auth/tokens")]
    [InlineData("https://k.example.org:5000/v3/", "https://k.example.org:5000/v3/auth/tokens")]
    [InlineData("https://k.example.org/identity", "https://k.example.org/identity/v3/auth/tokens")]
    public void The_token_url_with_or_without_v3(string authUrl, string expected) =>
        Assert.Equal(expected, KeystoneAuth.TokensUrl(authUrl).ToString());

    [Fact]
    public void Placement_is_found_in_the_catalog_by_type_interface_and_region()
    {
        UsbPassd.Placement.Wire.KeystoneService[] catalog =
        [
            new() { Type = "compute", Endpoints = [new() { Interface = "internal", Region = "RegionOne", Url = "https://nova" }] },
            new()
            {
                Type = "placement",
                Endpoints =
                [
                    new() { Interface = "public", Region = "RegionOne", Url = "https://public/placement" },
                    new() { Interface = "internal", Region = "RegionTwo", Url = "https://two/placement" },
                    new() { Interface = "internal", Region = "RegionOne", Url = "https://one/placement" },
                ],
            },
        ];

        Assert.Equal("https://one/placement", KeystoneAuth.PlacementUrl(catalog, "internal", "RegionOne"));
        Assert.Equal("https://two/placement", KeystoneAuth.PlacementUrl(catalog, "internal", null));
        Assert.Null(KeystoneAuth.PlacementUrl(catalog, "admin", null));
    }

    [Fact]
    public void The_password_request_is_keystones_v3_shape()
    {
        var c = new CloudCredentials("https://k/v3", "placement", null, "secret", "service", null, "Default", null, null, "default", null, "public");

        string json = System.Text.Json.JsonSerializer.Serialize(KeystoneAuth.Request(c), PlacementJson.Default.KeystoneAuthRequest);

        Assert.Equal("""{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"placement","password":"secret","domain":{"name":"Default"}}}},"scope":{"project":{"name":"service","domain":{"id":"default"}}}}}""", json);
    }
}
