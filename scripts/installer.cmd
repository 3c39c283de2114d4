@echo off
rem xl_kik offline installer for Windows (per user, no administrator rights needed).
rem Built into the bundle by scripts/windows_bundle.py; the wheels are in wheels\ beside it.
rem   installer.cmd          installs into a venv under %LOCALAPPDATA%\xl_kik
rem   installer.cmd --user   installs with pip --user into the found Python instead
setlocal EnableExtensions
chcp 65001 >nul
set "HERE=%~dp0"
set "WHEELS=%HERE%wheels"
set "TARGET=%LOCALAPPDATA%\xl_kik"
set "VENV=%TARGET%\venv"
set "MODE=venv"
if /i "%~1"=="--user" set "MODE=user"

echo.
echo === xl_kik: installation på denne computer (kun for dig, uden administratorrettigheder) ===
echo.

rem ---- 1. find Python 3.11, 3.12 or 3.13: the py launcher first, then the standard per-user folders
set "PY="
where py >nul 2>nul
if not errorlevel 1 (
  for %%V in (3.13 3.12 3.11) do (
    if not defined PY (
      py -%%V -c "import sys" >nul 2>nul && set "PY=py -%%V"
    )
  )
)
if not defined PY (
  for %%V in (313 312 311) do (
    if not defined PY (
      if exist "%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe" set "PY="%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe""
    )
  )
)
if not defined PY (
  echo Python 3.11, 3.12 eller 3.13 blev ikke fundet på denne computer.
  echo.
  echo Sådan gør du:
  echo   1. Hent Python 3.13 ^(64-bit^) fra https://www.python.org/downloads/windows/
  echo   2. Kør installationen og vælg "Install Now" ^(installerer kun til dig; ingen administratorrettigheder^).
  echo   3. Dobbeltklik på installer.cmd igen.
  echo.
  echo Intet er installeret.
  pause
  exit /b 1
)
echo Fundet Python: %PY%

rem ---- 2. install xl_kik and its packages from wheels\ (no internet needed)
if "%MODE%"=="user" (
  set "PYRUN=%PY%"
  %PY% -m pip install --user --no-index --find-links "%WHEELS%" --upgrade xl_kik
  if errorlevel 1 goto :failed
) else (
  if not exist "%VENV%\Scripts\python.exe" (
    echo Opretter et Python-miljø i "%VENV%" ...
    %PY% -m venv "%VENV%"
    if errorlevel 1 goto :failed
  )
  set "PYRUN="%VENV%\Scripts\python.exe""
  "%VENV%\Scripts\python.exe" -m pip install --no-index --find-links "%WHEELS%" --upgrade xl_kik
  if errorlevel 1 goto :failed
)

rem ---- 3. check the result: xl_kik and xlwings import, the command answers
%PYRUN% -c "import xl_kik, xlwings, sys; print('xl_kik', xl_kik.__version__, 'i', sys.executable)"
if errorlevel 1 goto :failed
%PYRUN% -m xl_kik --version >nul
if errorlevel 1 goto :failed

rem ---- 4. make the command xl-kik available in new Command Prompt windows (the user's own PATH)
if "%MODE%"=="venv" (
  powershell -NoProfile -ExecutionPolicy Bypass -Command "$d = '%VENV%\Scripts'; $p = [Environment]::GetEnvironmentVariable('Path', 'User'); if (-not $p) { $p = '' }; if (($p -split ';') -notcontains $d) { [Environment]::SetEnvironmentVariable('Path', ($p.TrimEnd(';') + ';' + $d).TrimStart(';'), 'User') }"
)

echo.
echo === Færdig ===
if "%MODE%"=="venv" (
  echo xl_kik er installeret i "%VENV%".
  echo Kommandoen xl-kik virker i nye Kommandoprompt-vinduer ^(mappen "%VENV%\Scripts" er lagt på din PATH^).
) else (
  echo xl_kik er installeret for din bruger i %PY%.
)
echo.
echo Næste skridt:
echo   1. Åbn en NY Kommandoprompt ^(Windows-tasten, skriv cmd^).
echo   2. Opret en runde, fx:  xl-kik init "%%USERPROFILE%%\Documents\KIK\2026 forår" --unit "Jeres enhed" --participants deltagere.xlsx
echo   3. Åbn kik_master.xlsm i rundens mappe, klik "Aktivér indhold", og brug knapperne.
echo Har du allerede en runde fra en anden computer: åbn masterfilen og klik på en knap; den finder selv denne Python.
echo Vejledning: docs\vejledning-tovholder.md i xl_kik-pakken.
echo.
pause
exit /b 0

:failed
echo.
echo Installationen mislykkedes ^(se fejlen ovenfor^). Intet andet er ændret.
echo Send et billede af dette vindue til den, der hjælper jer med xl_kik.
pause
exit /b 1
