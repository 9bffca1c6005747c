# One image for every role: silo, gateway, or both (Alavida__Role = Silo | Gateway | All).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig Alavida.sln ./
COPY src/ src/
RUN dotnet publish src/Silo/Silo.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
# 8080 HTTP (API, /health, /metrics, /dashboard) · 11111 silo-to-silo · 30000 client gateway
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "Alavida.Silo.dll"]
