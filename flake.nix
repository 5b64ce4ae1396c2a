{
  description = "avcm: declarative scenario-as-code test runner for video-conferencing systems";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
        lib = pkgs.lib;
      in
      {
        # nix develop: the tools the CLI and its tests call (ffmpeg for media, kubectl/kind for the
        # k8s backend, coturn for WebRTC runs, xmllint for the JUnit schema test; python3 and the
        # shell's C compiler let `npm install` build the batched UDP addon with node-gyp).
        devShells.default = pkgs.mkShell {
          packages = [
            pkgs.nodejs_20
            pkgs.ffmpeg
            pkgs.kubectl
            pkgs.kind
            pkgs.coturn
            pkgs.libxml2
            pkgs.python3
          ];
        };

        # nix build: the CLI as a package (bin/avcm).
        packages.default = pkgs.buildNpmPackage {
          pname = "avcm";
          version = "0.1.0";
          src = lib.cleanSource ./.;
          nodejs = pkgs.nodejs_20;
          # Hash of the npm dependencies in package-lock.json. After changing the lock file, set
          # this to lib.fakeHash, run `nix build`, and copy the hash nix prints ("got: sha256-...").
          npmDepsHash = lib.fakeHash;
          npmBuildScript = "build";
          # Tests open sockets and spawn ffmpeg; run them with `npm test` in the dev shell instead.
          doCheck = false;
          # python3 for node-gyp: `npm rebuild` runs the install step that compiles native/.
          nativeBuildInputs = [ pkgs.makeWrapper pkgs.python3 ];
          postInstall = ''
            wrapProgram $out/bin/avcm --prefix PATH : ${lib.makeBinPath [ pkgs.ffmpeg ]}
          '';
          meta = {
            description = "Declarative scenario-as-code test runner for video-conferencing systems";
            license = lib.licenses.bsd3;
            mainProgram = "avcm";
          };
        };

        # nix run . -- test scenarios/smoke.yaml
        apps.default = flake-utils.lib.mkApp { drv = self.packages.${system}.default; };
      });
}
