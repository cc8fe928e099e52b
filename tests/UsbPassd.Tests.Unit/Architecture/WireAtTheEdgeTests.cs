using System.Reflection;
using UsbPassd.Registry;

namespace UsbPassd.Tests.Unit.Architecture;

/// <summary>
/// The wire stays at the edge: no type of the domain stages of Core takes, returns, holds or derives
/// from a protocol type (their signatures; `grep UsbPassd.Protocol` over the folders covers bodies).
/// </summary>
public sealed class WireAtTheEdgeTests
{
    private static readonly string[] Domain = ["UsbPassd.Registry", "UsbPassd.Assignment", "UsbPassd.Devices", "UsbPassd.Policy", "UsbPassd.Libvirt"];

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void No_domain_type_names_a_protocol_type_in_its_signatures()
    {
        Assembly core = typeof(DeviceRow).Assembly;
        Assembly protocol = typeof(global::UsbPassd.Protocol.Methods).Assembly;
        IEnumerable<string> offenders =
            from t in core.GetTypes()
            where Domain.Any(n => t.Namespace == n || t.Namespace?.StartsWith(n + ".", StringComparison.Ordinal) == true)
            from used in Used(t)
            where Mentions(used, protocol)
            select $"{t.FullName} uses {used.FullName}";

        Assert.Empty(offenders);
    }

    private static IEnumerable<Type> Used(Type t)
    {
        if (t.BaseType is Type b)
        {
            yield return b;
        }

        foreach (FieldInfo f in t.GetFields(All))
        {
            yield return f.FieldType;
        }

        foreach (PropertyInfo p in t.GetProperties(All))
        {
            yield return p.PropertyType;
        }

        foreach (MethodBase m in t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All)))
        {
            if (m is MethodInfo mi)
            {
                yield return mi.ReturnType;
            }

            foreach (ParameterInfo p in m.GetParameters())
            {
                yield return p.ParameterType;
            }
        }
    }

    private static bool Mentions(Type t, Assembly protocol) =>
        t.Assembly == protocol
        || (t.HasElementType && Mentions(t.GetElementType()!, protocol))
        || (t.IsGenericType && t.GetGenericArguments().Any(a => Mentions(a, protocol)));
}
